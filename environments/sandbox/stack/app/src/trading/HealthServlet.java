package trading;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/** GET /health: UP only when the database answers and its schema is at least the required version. */
public final class HealthServlet extends BaseServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected Set<String> methods() {
        return Set.of("GET");
    }

    private record Result(String db, Integer schema, String reason, boolean pooled) {
    }

    static Result probe(boolean fresh) {
        Db.Lease l;
        boolean pooled = false;
        try {
            l = Db.borrow(fresh);
            pooled = l.pooled;
        } catch (SQLException e) {
            String reason = "database unreachable";
            if ("database not configured".equals(e.getMessage())) reason = "database not configured";
            else if (e.getSQLState() != null && e.getSQLState().startsWith("28")) reason = "database authentication failed";
            else if (e.getSQLState() != null && e.getSQLState().startsWith("3D")) reason = "database does not exist";
            return new Result("DOWN", null, reason, pooled);
        }
        boolean ok = false;
        try (Statement st = l.c.createStatement()) {
            st.setQueryTimeout(5);
            try (ResultSet rs = st.executeQuery("select max(version) from schema_migrations")) {
                ok = true;
                Integer v = null;
                if (rs.next()) {
                    int n = rs.getInt(1);
                    if (!rs.wasNull()) v = n;
                }
                if (v == null) return new Result("UNKNOWN", null, "no schema migrations recorded", pooled);
                if (v < BuildInfo.REQUIRED_SCHEMA) {
                    return new Result("SCHEMA_BEHIND", v, "schema version " + v + " < required " + BuildInfo.REQUIRED_SCHEMA, pooled);
                }
                return new Result("UP", v, null, pooled);
            }
        } catch (SQLException e) {
            if (Db.isConnectionProblem(e)) return new Result("DOWN", null, "database connection failed", pooled);
            ok = true; // the connection itself is fine
            return new Result("UNKNOWN", null, "schema_migrations not readable", pooled);
        } finally {
            Db.release(l, ok);
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Result r = probe(false);
        if ("DOWN".equals(r.db) && r.pooled) r = probe(true); // a stale pooled connection must not report DOWN
        Config cfg = Config.get();
        Json.Obj o = Json.obj().put("status", "UP".equals(r.db) ? "UP" : "DOWN").put("db", r.db).put("node", cfg.node)
                .put("version", BuildInfo.VERSION).putInt("schema", r.schema);
        if (!"UP".equals(r.db)) {
            o.putInt("required_schema", BuildInfo.REQUIRED_SCHEMA).put("reason", r.reason);
        }
        json(resp, "UP".equals(r.db) ? 200 : 503, o.toString());
    }
}
