package trading;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/** Minimal JSON: a string escaper, an object writer and a parser for flat objects. */
public final class Json {
    private Json() {
    }

    /** Thrown for malformed or unsupported input. */
    public static final class ParseException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ParseException(String m) {
            super(m);
        }
    }

    /** JSON null marker in parsed objects. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    public static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(s.length() + 2);
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    public static String num(BigDecimal d) {
        if (d == null) return "null";
        BigDecimal s = d.stripTrailingZeros();
        if (s.scale() < 0) s = s.setScale(0);
        return s.toPlainString();
    }

    /** Builder for one JSON object. */
    public static final class Obj {
        private final StringBuilder b = new StringBuilder("{");
        private boolean first = true;

        private Obj key(String k) {
            if (!first) b.append(',');
            first = false;
            b.append(quote(k)).append(':');
            return this;
        }

        public Obj put(String k, String v) {
            key(k).b.append(quote(v));
            return this;
        }

        public Obj put(String k, long v) {
            key(k).b.append(v);
            return this;
        }

        public Obj put(String k, boolean v) {
            key(k).b.append(v);
            return this;
        }

        public Obj put(String k, BigDecimal v) {
            key(k).b.append(num(v));
            return this;
        }

        public Obj putInt(String k, Integer v) {
            key(k).b.append(v == null ? "null" : v.toString());
            return this;
        }

        public Obj putRaw(String k, String json) {
            key(k).b.append(json);
            return this;
        }

        @Override
        public String toString() {
            return b.toString() + "}";
        }
    }

    public static Obj obj() {
        return new Obj();
    }

    /**
     * Parses a flat JSON object whose values are strings, numbers (as BigDecimal),
     * booleans or null ({@link #NULL}). Nested values and duplicate keys are rejected.
     */
    public static Map<String, Object> parseFlatObject(String s) {
        Parser p = new Parser(s);
        Map<String, Object> m = p.object();
        p.ws();
        if (p.i != s.length()) throw new ParseException("trailing data");
        return m;
    }

    private static final class Parser {
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
                else break;
            }
        }

        char peek() {
            if (i >= s.length()) throw new ParseException("unexpected end");
            return s.charAt(i);
        }

        void expect(char c) {
            if (peek() != c) throw new ParseException("expected '" + c + "'");
            i++;
        }

        Map<String, Object> object() {
            ws();
            expect('{');
            Map<String, Object> m = new LinkedHashMap<>();
            ws();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                String k = string();
                ws();
                expect(':');
                ws();
                Object v = value();
                if (m.containsKey(k)) throw new ParseException("duplicate key");
                m.put(k, v);
                ws();
                char c = peek();
                i++;
                if (c == '}') return m;
                if (c != ',') throw new ParseException("expected ',' or '}'");
            }
        }

        Object value() {
            char c = peek();
            if (c == '"') return string();
            if (c == '-' || (c >= '0' && c <= '9')) return number();
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return NULL;
            }
            throw new ParseException("unsupported value");
        }

        String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = peek();
                i++;
                if (c == '"') return b.toString();
                if (c < 0x20) throw new ParseException("control character in string");
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = peek();
                i++;
                switch (e) {
                    case '"': b.append('"'); break;
                    case '\\': b.append('\\'); break;
                    case '/': b.append('/'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'u':
                        if (i + 4 > s.length()) throw new ParseException("bad unicode escape");
                        int cp = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = Character.digit(s.charAt(i + k), 16);
                            if (d < 0) throw new ParseException("bad unicode escape");
                            cp = cp * 16 + d;
                        }
                        i += 4;
                        b.append((char) cp);
                        break;
                    default:
                        throw new ParseException("bad escape");
                }
            }
        }

        BigDecimal number() {
            int start = i;
            if (peek() == '-') i++;
            if (i < s.length() && s.charAt(i) == '0') {
                i++;
            } else {
                int d = digits();
                if (d == 0) throw new ParseException("bad number");
            }
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                if (digits() == 0) throw new ParseException("bad number");
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                int d = digits();
                if (d == 0 || d > 3) throw new ParseException("bad number");
            }
            if (i - start > 64) throw new ParseException("number too long");
            return new BigDecimal(s.substring(start, i));
        }

        int digits() {
            int n = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
                n++;
            }
            return n;
        }
    }
}
