package trading;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/** Shared plumbing: JSON responses, method checks, request bodies, bearer-token auth. */
public abstract class BaseServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final int MAX_BODY = 16 * 1024;

    /** HTTP methods this servlet serves (HEAD is implied by GET). */
    protected abstract Set<String> methods();

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        String m = req.getMethod();
        Set<String> allowed = methods();
        if (allowed.contains(m) || (m.equals("HEAD") && allowed.contains("GET"))) {
            super.service(req, resp);
            return;
        }
        resp.setHeader("Allow", String.join(", ", allowed));
        error(resp, 405, "method_not_allowed");
    }

    static void json(HttpServletResponse resp, int status, String body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json; charset=utf-8");
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }

    static void error(HttpServletResponse resp, int status, String code) throws IOException {
        json(resp, status, Json.obj().put("error", code).toString());
    }

    /** Thrown for a request the client must fix; rendered as 400 {"error": message}. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String code) {
            super(code, null, false, false);
        }
    }

    static Map<String, Object> body(HttpServletRequest req) throws IOException, BadRequest {
        long declared = req.getContentLengthLong();
        if (declared > MAX_BODY) throw new BadRequest("body_too_large");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try (InputStream in = req.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > MAX_BODY) throw new BadRequest("body_too_large");
            }
        }
        String s = out.toString(StandardCharsets.UTF_8);
        if (s.isBlank()) throw new BadRequest("invalid_json");
        try {
            return Json.parseFlatObject(s);
        } catch (Json.ParseException e) {
            throw new BadRequest("invalid_json");
        }
    }

    static String optString(Map<String, Object> m, String key) throws BadRequest {
        Object v = m.get(key);
        if (v == null || v == Json.NULL) return null;
        if (!(v instanceof String s)) throw new BadRequest("invalid_" + key);
        return s;
    }

    /** Returns the caller or writes 401 and returns null. */
    static Security.Principal authenticate(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String h = req.getHeader("Authorization");
        Security.Principal p = null;
        if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            p = Security.verifyToken(Config.get().sessionSecret, h.substring(7).strip(), System.currentTimeMillis() / 1000);
        }
        if (p == null) {
            resp.setHeader("WWW-Authenticate", "Bearer");
            error(resp, 401, "unauthorized");
        }
        return p;
    }

    /** Path segment after the servlet path, e.g. "ACME" for /api/quotes/ACME; null if absent or nested. */
    static String tail(HttpServletRequest req) {
        String pi = req.getPathInfo();
        if (pi == null || pi.length() < 2) return null;
        String t = pi.substring(1);
        return t.indexOf('/') >= 0 ? null : t;
    }
}
