package trading;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** In-process counters rendered in the Prometheus text exposition format 0.0.4. */
public final class Metrics {
    private static final ConcurrentHashMap<String, LongAdder> REQUESTS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, LongAdder> ORDERS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, LongAdder> LOGIN_FAILURES = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, DoubleAdder> DURATION_SUM = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, LongAdder> DURATION_COUNT = new ConcurrentHashMap<>();

    private Metrics() {
    }

    static String esc(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String labels(String... kv) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) b.append(',');
            b.append(kv[i]).append("=\"").append(esc(kv[i + 1])).append('"');
        }
        return b.append('}').toString();
    }

    public static String pathGroup(String path) {
        if (path == null) return "other";
        if (path.equals("/health")) return "health";
        if (path.equals("/version")) return "version";
        if (path.equals("/metrics")) return "metrics";
        if (path.equals("/api/login")) return "login";
        if (path.equals("/api/quotes") || path.startsWith("/api/quotes/")) return "quotes";
        if (path.equals("/api/orders") || path.startsWith("/api/orders/")) return "orders";
        if (path.equals("/api/admin") || path.startsWith("/api/admin/")) return "admin";
        return "other";
    }

    static String method(String m) {
        switch (m == null ? "" : m) {
            case "GET": case "POST": case "PUT": case "DELETE": case "HEAD": case "OPTIONS": case "PATCH":
                return m;
            default:
                return "OTHER";
        }
    }

    public static void request(String node, String method, String group, int status, double seconds) {
        REQUESTS.computeIfAbsent(labels("node", node, "method", method(method), "path_group", group, "status",
                Integer.toString(status)), k -> new LongAdder()).increment();
        String l = labels("node", node, "path_group", group);
        DURATION_SUM.computeIfAbsent(l, k -> new DoubleAdder()).add(seconds);
        DURATION_COUNT.computeIfAbsent(l, k -> new LongAdder()).increment();
    }

    public static void order(String node) {
        ORDERS.computeIfAbsent(labels("node", node), k -> new LongAdder()).increment();
    }

    public static void loginFailure(String node) {
        LOGIN_FAILURES.computeIfAbsent(labels("node", node), k -> new LongAdder()).increment();
    }

    private static void family(StringBuilder b, String name, String type, String help, Map<String, ? extends Number> m) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (Map.Entry<String, ? extends Number> e : new TreeMap<>(m).entrySet()) {
            b.append(name).append(e.getKey()).append(' ').append(fmt(e.getValue())).append('\n');
        }
    }

    private static String fmt(Number n) {
        if (n instanceof DoubleAdder d) return Double.toString(d.sum());
        if (n instanceof LongAdder l) return Long.toString(l.sum());
        return n.toString();
    }

    public static String render(String node) {
        String nl = labels("node", node);
        ORDERS.computeIfAbsent(nl, k -> new LongAdder());
        LOGIN_FAILURES.computeIfAbsent(nl, k -> new LongAdder());
        StringBuilder b = new StringBuilder(4096);
        family(b, "trading_http_requests_total", "counter", "HTTP requests by method, path group and status.", REQUESTS);
        family(b, "trading_orders_total", "counter", "Orders accepted.", ORDERS);
        family(b, "trading_login_failures_total", "counter", "Failed or locked login attempts.", LOGIN_FAILURES);
        b.append("# HELP trading_http_request_duration_seconds Time spent serving HTTP requests.\n");
        b.append("# TYPE trading_http_request_duration_seconds summary\n");
        for (Map.Entry<String, DoubleAdder> e : new TreeMap<>(DURATION_SUM).entrySet()) {
            b.append("trading_http_request_duration_seconds_sum").append(e.getKey()).append(' ')
                    .append(Double.toString(e.getValue().sum())).append('\n');
            LongAdder c = DURATION_COUNT.get(e.getKey());
            b.append("trading_http_request_duration_seconds_count").append(e.getKey()).append(' ')
                    .append(c == null ? 0 : c.sum()).append('\n');
        }
        b.append("# HELP trading_up Application is running.\n# TYPE trading_up gauge\n");
        b.append("trading_up").append(labels("node", node, "version", BuildInfo.VERSION)).append(" 1\n");
        return b.toString();
    }
}
