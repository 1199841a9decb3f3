package trading;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.logging.Logger;

/** GET /api/admin/users (admin role only). */
public final class AdminServlet extends BaseServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(AdminServlet.class.getName());

    @Override
    protected Set<String> methods() {
        return Set.of("GET");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Security.Principal p = authenticate(req, resp);
        if (p == null) return;
        if (!p.isAdmin()) {
            error(resp, 403, "forbidden");
            return;
        }
        if (!"users".equals(tail(req))) {
            error(resp, 404, "not_found");
            return;
        }
        String body;
        try {
            body = Db.with(c -> {
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("select username, role from users order by username")) {
                    StringBuilder b = new StringBuilder("[");
                    while (rs.next()) {
                        if (b.length() > 1) b.append(',');
                        b.append(Json.obj().put("username", rs.getString(1)).put("role", rs.getString(2)));
                    }
                    return b.append(']').toString();
                }
            });
        } catch (SQLException e) {
            LOG.warning("user listing failed: SQLState " + e.getSQLState());
            error(resp, Db.isConnectionProblem(e) ? 503 : 500, Db.isConnectionProblem(e) ? "unavailable" : "internal");
            return;
        }
        json(resp, 200, body);
    }
}
