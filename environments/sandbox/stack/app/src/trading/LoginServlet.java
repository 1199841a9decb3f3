package trading;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * POST /api/login {"username","password","totp"}. Consecutive failures are counted in
 * users.failed_logins and the lock is persisted in users.locked_until, so it holds on every node.
 */
public final class LoginServlet extends BaseServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(LoginServlet.class.getName());
    /** Same cost as a typical stored hash, spent for unknown users so timing does not reveal them. */
    private static final String DUMMY_HASH =
            "pbkdf2_sha256$100000$c2FuZGJveC1kdW1teS1zYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    /** Best-effort, node-local lockout for usernames that do not exist: username -> {failures, lockedUntilMillis}. */
    private static final Map<String, long[]> UNKNOWN = new HashMap<>();

    @Override
    protected Set<String> methods() {
        return Set.of("POST");
    }

    private record UserRow(String hash, String totpSecret, String role, boolean locked) {
    }

    private static final class Attempt {
        final Config cfg;
        final HttpServletRequest req;
        String user;

        Attempt(Config cfg, HttpServletRequest req) {
            this.cfg = cfg;
            this.req = req;
        }

        void audit(String result, String reason) {
            if (!"success".equals(result)) Metrics.loginFailure(cfg.node);
            Audit.login(cfg, user, result, reason, req.getRemoteAddr(), req.getHeader("X-Forwarded-For"));
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Config cfg = Config.get();
        Attempt a = new Attempt(cfg, req);
        String password;
        String totp;
        try {
            Map<String, Object> b = body(req);
            a.user = optString(b, "username");
            if (a.user != null && a.user.length() > 64) a.user = a.user.substring(0, 64);
            password = optString(b, "password");
            Object t = b.get("totp");
            totp = t instanceof BigDecimal n ? n.toPlainString() : optString(b, "totp");
            if (a.user == null || a.user.isBlank() || b.get("username").toString().length() > 64) {
                throw new BadRequest("username_required");
            }
            if (password == null) throw new BadRequest("password_required");
        } catch (BadRequest e) {
            a.audit("failure", "bad_request");
            error(resp, 400, e.getMessage());
            return;
        }
        String username = a.user;

        UserRow u;
        try {
            u = Db.with(c -> {
                try (PreparedStatement ps = c.prepareStatement("select password_hash, totp_secret, role,"
                        + " coalesce(locked_until > now(), false) from users where username = ?")) {
                    ps.setString(1, username);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? new UserRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)) : null;
                    }
                }
            });
        } catch (SQLException e) {
            LOG.warning("login lookup failed: SQLState " + e.getSQLState());
            a.audit("failure", "db_unavailable");
            error(resp, 503, "unavailable");
            return;
        }

        if (u == null) {
            if (unknownLocked(username)) {
                a.audit("locked", "account_locked");
                error(resp, 429, "locked");
                return;
            }
            Security.verifyPassword("x", DUMMY_HASH);
            unknownFailure(cfg, username);
            a.audit("failure", "unknown_user");
            error(resp, 401, "invalid_credentials");
            return;
        }
        if (u.locked) {
            a.audit("locked", "account_locked");
            error(resp, 429, "locked");
            return;
        }
        if (!Security.verifyPassword(password, u.hash)) {
            recordFailure(cfg, username);
            a.audit("failure", "bad_password");
            error(resp, 401, "invalid_credentials");
            return;
        }
        if (cfg.mfaRequired) {
            if (totp == null || totp.isBlank()) {
                recordFailure(cfg, username);
                a.audit("failure", "mfa_missing");
                error(resp, 401, "mfa_required");
                return;
            }
            if (!Security.verifyTotp(u.totpSecret, totp, System.currentTimeMillis() / 1000)) {
                recordFailure(cfg, username);
                a.audit("failure", "bad_totp");
                error(resp, 401, "invalid_credentials");
                return;
            }
        }
        try {
            Db.with(c -> {
                try (PreparedStatement ps = c.prepareStatement("update users set failed_logins = 0, locked_until = null"
                        + " where username = ? and (failed_logins <> 0 or locked_until is not null)")) {
                    ps.setString(1, username);
                    return ps.executeUpdate();
                }
            });
        } catch (SQLException e) {
            LOG.warning("cannot reset login failures: SQLState " + e.getSQLState());
        }
        long exp = System.currentTimeMillis() / 1000 + cfg.sessionTtlSeconds;
        String token = Security.issueToken(cfg.sessionSecret, username, u.role, exp);
        a.audit("success", cfg.mfaRequired ? "password+totp" : "password_only");
        json(resp, 200, Json.obj().put("token", token).put("role", u.role).put("expires_in", cfg.sessionTtlSeconds)
                .toString());
    }

    private static void recordFailure(Config cfg, String username) {
        try {
            Db.with(c -> {
                try (PreparedStatement ps = c.prepareStatement("update users set"
                        + " failed_logins = case when failed_logins + 1 >= ? then 0 else failed_logins + 1 end,"
                        + " locked_until = case when failed_logins + 1 >= ? then now() + (? * interval '1 second')"
                        + " else locked_until end where username = ?")) {
                    ps.setInt(1, cfg.loginMaxFailures);
                    ps.setInt(2, cfg.loginMaxFailures);
                    ps.setInt(3, cfg.loginLockoutSeconds);
                    ps.setString(4, username);
                    return ps.executeUpdate();
                }
            });
        } catch (SQLException e) {
            LOG.warning("cannot record login failure: SQLState " + e.getSQLState());
        }
    }

    private static boolean unknownLocked(String username) {
        synchronized (UNKNOWN) {
            long[] s = UNKNOWN.get(username);
            return s != null && s[1] > System.currentTimeMillis();
        }
    }

    private static void unknownFailure(Config cfg, String username) {
        synchronized (UNKNOWN) {
            if (UNKNOWN.size() > 10_000) UNKNOWN.clear();
            long[] s = UNKNOWN.computeIfAbsent(username, k -> new long[2]);
            if (++s[0] >= cfg.loginMaxFailures) {
                s[0] = 0;
                s[1] = System.currentTimeMillis() + cfg.loginLockoutSeconds * 1000L;
            }
        }
    }
}
