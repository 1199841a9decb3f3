package trading;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** GET /metrics in Prometheus text format 0.0.4. */
public final class MetricsServlet extends BaseServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected Set<String> methods() {
        return Set.of("GET");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] b = Metrics.render(Config.get().node).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("text/plain; version=0.0.4; charset=utf-8");
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }
}
