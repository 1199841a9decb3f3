package trading;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/** GET /api/quotes/{symbol} */
public final class QuotesServlet extends BaseServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(QuotesServlet.class.getName());

    @Override
    protected Set<String> methods() {
        return Set.of("GET");
    }

    static boolean validSymbol(String s) {
        if (s == null || s.isEmpty() || s.length() > 16) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) return false;
        }
        return true;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (authenticate(req, resp) == null) return;
        String sym = tail(req);
        sym = sym == null ? null : sym.toUpperCase(Locale.ROOT);
        if (!validSymbol(sym)) {
            error(resp, 404, "not_found");
            return;
        }
        String symbol = sym;
        String body;
        try {
            body = Db.with(c -> {
                try (PreparedStatement ps = c.prepareStatement("select symbol, bid, ask from quotes where symbol = ?")) {
                    ps.setString(1, symbol);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) return null;
                        return Json.obj().put("symbol", rs.getString(1)).put("bid", rs.getBigDecimal(2))
                                .put("ask", rs.getBigDecimal(3)).toString();
                    }
                }
            });
        } catch (SQLException e) {
            LOG.warning("quote lookup failed: SQLState " + e.getSQLState());
            error(resp, Db.isConnectionProblem(e) ? 503 : 500, Db.isConnectionProblem(e) ? "unavailable" : "internal");
            return;
        }
        if (body == null) error(resp, 404, "not_found");
        else json(resp, 200, body);
    }
}
