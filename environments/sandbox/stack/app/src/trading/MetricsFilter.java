package trading;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Counts and times every request; adds defensive response headers. */
public final class MetricsFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        long t0 = System.nanoTime();
        String path = req.getRequestURI().substring(req.getContextPath().length());
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Cache-Control", "no-store");
        int status = 500;
        try {
            chain.doFilter(req, resp);
            status = resp.getStatus();
        } finally {
            Metrics.request(Config.get().node, req.getMethod(), Metrics.pathGroup(path), status,
                    (System.nanoTime() - t0) / 1e9);
        }
    }
}
