package trading;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * POST /api/orders and GET /api/orders/{id}. With required schema >= 2 (release 1.5.0)
 * orders carry an optional client_ref (idempotency key) and an order_events row is written.
 */
public final class OrdersServlet extends BaseServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(OrdersServlet.class.getName());
    private static final BigDecimal MAX_PRICE = new BigDecimal("99999999.9999");
    private static final int MAX_QUANTITY = 1_000_000;

    @Override
    protected Set<String> methods() {
        return Set.of("GET", "POST");
    }

    private static boolean v2() {
        return BuildInfo.REQUIRED_SCHEMA >= 2;
    }

    private static String columns() {
        return "id, username, symbol, side, quantity, limit_price, status, node, synthetic, created_at"
                + (v2() ? ", client_ref" : "");
    }

    private static String orderJson(ResultSet rs) throws SQLException {
        Timestamp created = rs.getTimestamp("created_at");
        Json.Obj o = Json.obj().put("id", rs.getLong("id")).put("username", rs.getString("username"))
                .put("symbol", rs.getString("symbol")).put("side", rs.getString("side"))
                .put("quantity", rs.getInt("quantity")).put("limit_price", rs.getBigDecimal("limit_price"))
                .put("status", rs.getString("status")).put("node", rs.getString("node"))
                .put("synthetic", rs.getBoolean("synthetic"))
                .put("created_at", created == null ? null : created.toInstant().toString());
        if (v2()) o.put("client_ref", rs.getString("client_ref"));
        return o.toString();
    }

    private record NewOrder(String symbol, String side, int quantity, BigDecimal price, String clientRef,
                            boolean synthetic) {
    }

    private static NewOrder validate(Map<String, Object> b) throws BadRequest {
        String symbol = optString(b, "symbol");
        if (symbol == null) throw new BadRequest("symbol_required");
        symbol = symbol.strip().toUpperCase(Locale.ROOT);
        if (!QuotesServlet.validSymbol(symbol)) throw new BadRequest("invalid_symbol");

        String side = optString(b, "side");
        if (side == null) throw new BadRequest("side_required");
        side = side.strip().toUpperCase(Locale.ROOT);
        if (!side.equals("BUY") && !side.equals("SELL")) throw new BadRequest("invalid_side");

        Object q = b.get("quantity");
        if (q == null || q == Json.NULL) throw new BadRequest("quantity_required");
        if (!(q instanceof BigDecimal qd)) throw new BadRequest("invalid_quantity");
        int quantity;
        try {
            if (qd.signum() <= 0 || qd.compareTo(BigDecimal.valueOf(MAX_QUANTITY)) > 0) throw new ArithmeticException();
            quantity = qd.stripTrailingZeros().intValueExact();
        } catch (ArithmeticException e) {
            throw new BadRequest("invalid_quantity");
        }

        Object p = b.get("limit_price");
        if (p == null || p == Json.NULL) throw new BadRequest("limit_price_required");
        if (!(p instanceof BigDecimal price) || price.signum() <= 0 || price.compareTo(MAX_PRICE) > 0
                || price.stripTrailingZeros().scale() > 4) {
            throw new BadRequest("invalid_limit_price");
        }

        String clientRef = null;
        if (v2()) {
            clientRef = optString(b, "client_ref");
            if (clientRef != null && (clientRef.isEmpty() || clientRef.length() > 64)) throw new BadRequest("invalid_client_ref");
        }

        Object s = b.get("synthetic");
        boolean synthetic = false;
        if (s != null && s != Json.NULL) {
            if (!(s instanceof Boolean sb)) throw new BadRequest("invalid_synthetic");
            synthetic = sb;
        }
        return new NewOrder(symbol, side, quantity, price, clientRef, synthetic);
    }

    /** Result of an insert: status code plus body. */
    private record Created(int status, String body) {
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Security.Principal who = authenticate(req, resp);
        if (who == null) return;
        if (req.getPathInfo() != null && !req.getPathInfo().equals("/")) {
            error(resp, 404, "not_found");
            return;
        }
        NewOrder o;
        try {
            o = validate(body(req));
        } catch (BadRequest e) {
            error(resp, 400, e.getMessage());
            return;
        }
        Config cfg = Config.get();
        if (cfg.ordersExtraLatencyMs > 0) {
            try {
                Thread.sleep(cfg.ordersExtraLatencyMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (cfg.ordersErrorRate > 0 && ThreadLocalRandom.current().nextDouble() < cfg.ordersErrorRate) {
            error(resp, 500, "internal");
            return;
        }
        Created r;
        try {
            r = Db.with(c -> place(c, who, o, cfg.node));
        } catch (SQLException e) {
            LOG.warning("order placement failed: SQLState " + e.getSQLState());
            boolean conn = Db.isConnectionProblem(e);
            error(resp, conn ? 503 : 500, conn ? "unavailable" : "internal");
            return;
        }
        if (r.status == 201) Metrics.order(cfg.node);
        if (r.status >= 400) error(resp, r.status, r.body);
        else json(resp, r.status, r.body);
    }

    private static Created place(Connection c, Security.Principal who, NewOrder o, String node) throws SQLException {
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement("select 1 from quotes where symbol = ?")) {
                ps.setString(1, o.symbol);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        c.rollback();
                        c.setAutoCommit(true);
                        return new Created(400, "unknown_symbol");
                    }
                }
            }
            Long id = null;
            String sql = "insert into orders (username, symbol, side, quantity, limit_price, node, synthetic"
                    + (v2() ? ", client_ref) values (?,?,?,?,?,?,?,?)"
                    + " on conflict (username, client_ref) where client_ref is not null do nothing"
                    : ") values (?,?,?,?,?,?,?)") + " returning id";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, who.username());
                ps.setString(2, o.symbol);
                ps.setString(3, o.side);
                ps.setInt(4, o.quantity);
                ps.setBigDecimal(5, o.price);
                ps.setString(6, node);
                ps.setBoolean(7, o.synthetic);
                if (v2()) ps.setString(8, o.clientRef);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) id = rs.getLong(1);
                }
            }
            int status = 201;
            if (id == null) {
                // client_ref already used by this user: idempotent replay returns the original order
                try (PreparedStatement ps = c.prepareStatement("select id from orders where username = ? and client_ref = ?")) {
                    ps.setString(1, who.username());
                    ps.setString(2, o.clientRef);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) throw new SQLException("client_ref conflict without a row", "40001");
                        id = rs.getLong(1);
                    }
                }
                status = 200;
            } else if (v2()) {
                try (PreparedStatement ps = c.prepareStatement("insert into order_events (order_id, event) values (?, 'created')")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
            }
            String body;
            try (PreparedStatement ps = c.prepareStatement("select " + columns() + " from orders where id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    body = orderJson(rs);
                }
            }
            c.commit();
            c.setAutoCommit(true);
            return new Created(status, body);
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // connection is discarded by Db.with
            }
            throw e;
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Security.Principal who = authenticate(req, resp);
        if (who == null) return;
        String t = tail(req);
        long id;
        try {
            id = t == null ? -1 : Long.parseLong(t);
        } catch (NumberFormatException e) {
            id = -1;
        }
        if (id <= 0) {
            error(resp, 404, "not_found");
            return;
        }
        long orderId = id;
        String body;
        try {
            body = Db.with(c -> {
                String sql = "select " + columns() + " from orders where id = ?" + (who.isAdmin() ? "" : " and username = ?");
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setLong(1, orderId);
                    if (!who.isAdmin()) ps.setString(2, who.username());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? orderJson(rs) : null;
                    }
                }
            });
        } catch (SQLException e) {
            LOG.warning("order lookup failed: SQLState " + e.getSQLState());
            boolean conn = Db.isConnectionProblem(e);
            error(resp, conn ? 503 : 500, conn ? "unavailable" : "internal");
            return;
        }
        if (body == null) error(resp, 404, "not_found");
        else json(resp, 200, body);
    }
}
