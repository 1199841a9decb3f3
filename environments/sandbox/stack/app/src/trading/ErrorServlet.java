package trading;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** JSON error pages (and the catch-all "/" mapping): never a stack trace or server version. */
public final class ErrorServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static String code(int status) {
        switch (status) {
            case 400: return "bad_request";
            case 401: return "unauthorized";
            case 403: return "forbidden";
            case 404: return "not_found";
            case 405: return "method_not_allowed";
            case 408: return "timeout";
            case 413: return "body_too_large";
            case 415: return "unsupported_media_type";
            case 429: return "too_many_requests";
            case 503: return "unavailable";
            default: return status >= 500 ? "internal" : "error";
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object sc = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = sc instanceof Integer i ? i : 404;
        if (req.getAttribute(RequestDispatcher.ERROR_EXCEPTION) != null && status < 400) status = 500;
        if (status < 400 || status > 599) status = 500;
        if (resp.isCommitted()) return;
        try {
            resp.resetBuffer();
        } catch (IllegalStateException e) {
            return;
        }
        BaseServlet.error(resp, status, code(status));
    }
}
