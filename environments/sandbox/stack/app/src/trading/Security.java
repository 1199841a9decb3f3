package trading;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Password hashes, TOTP and signed bearer tokens. */
public final class Security {
    private Security() {
    }

    /** Authenticated caller. */
    public record Principal(String username, String role, long expires) {
        public boolean isAdmin() {
            return "admin".equals(role);
        }
    }

    // ---------------------------------------------------------------- PBKDF2

    /** Verifies a password against pbkdf2_sha256$ITERATIONS$SALT_B64$HASH_B64. */
    public static boolean verifyPassword(String password, String stored) {
        if (password == null || password.isEmpty() || stored == null) return false;
        String[] parts = stored.split("\\$", -1);
        if (parts.length != 4 || !parts[0].equals("pbkdf2_sha256")) return false;
        try {
            int iterations = Integer.parseInt(parts[1]);
            if (iterations < 1 || iterations > 10_000_000) return false;
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            if (expected.length == 0 || expected.length > 64) return false;
            byte[] actual = pbkdf2Sha256(password.getBytes(StandardCharsets.UTF_8), salt, iterations, expected.length);
            return MessageDigest.isEqual(expected, actual);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    /** RFC 8018 PBKDF2 with HMAC-SHA256 (same bytes as Python's hashlib.pbkdf2_hmac). */
    static byte[] pbkdf2Sha256(byte[] password, byte[] salt, int iterations, int dkLen) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(password, "HmacSHA256"));
        int hLen = mac.getMacLength();
        int blocks = (dkLen + hLen - 1) / hLen;
        byte[] out = new byte[dkLen];
        byte[] u = new byte[hLen];
        byte[] t = new byte[hLen];
        for (int block = 1; block <= blocks; block++) {
            mac.update(salt);
            mac.update(ByteBuffer.allocate(4).putInt(block).array());
            mac.doFinal(u, 0);
            System.arraycopy(u, 0, t, 0, hLen);
            for (int it = 1; it < iterations; it++) {
                mac.update(u);
                mac.doFinal(u, 0);
                for (int k = 0; k < hLen; k++) t[k] ^= u[k];
            }
            int off = (block - 1) * hLen;
            System.arraycopy(t, 0, out, off, Math.min(hLen, dkLen - off));
        }
        return out;
    }

    // ---------------------------------------------------------------- TOTP

    /** RFC 4648 base32 decode; tolerates lower case, spaces and padding. Returns null if invalid. */
    static byte[] base32Decode(String s) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        ByteBuffer out = ByteBuffer.allocate(s.length() * 5 / 8 + 1);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = Character.toUpperCase(s.charAt(i));
            if (c == '=' || c == ' ' || c == '-') continue;
            int v = alphabet.indexOf(c);
            if (v < 0) return null;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.put((byte) (buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        byte[] r = new byte[out.position()];
        out.flip();
        out.get(r);
        return r;
    }

    static String totp(byte[] key, long counter) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(counter).array());
        int o = h[h.length - 1] & 0x0f;
        int bin = ((h[o] & 0x7f) << 24) | ((h[o + 1] & 0xff) << 16) | ((h[o + 2] & 0xff) << 8) | (h[o + 3] & 0xff);
        return String.format("%06d", bin % 1_000_000);
    }

    /** RFC 6238: HMAC-SHA1, 6 digits, 30 s step, accepting one step of drift either way. */
    public static boolean verifyTotp(String base32Secret, String code, long epochSeconds) {
        if (base32Secret == null || code == null) return false;
        code = code.strip();
        if (code.length() != 6) return false;
        for (int i = 0; i < 6; i++) if (code.charAt(i) < '0' || code.charAt(i) > '9') return false;
        byte[] key = base32Decode(base32Secret);
        if (key == null || key.length == 0) return false;
        long step = Math.floorDiv(epochSeconds, 30L);
        boolean ok = false;
        try {
            for (long d = -1; d <= 1; d++) {
                ok |= MessageDigest.isEqual(totp(key, step + d).getBytes(StandardCharsets.US_ASCII),
                        code.getBytes(StandardCharsets.US_ASCII));
            }
        } catch (GeneralSecurityException e) {
            return false;
        }
        return ok;
    }

    // ---------------------------------------------------------------- tokens

    private static byte[] hmac256(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** base64url(username|role|expiry).base64url(HMAC-SHA256(secret, payload)) */
    public static String issueToken(byte[] secret, String username, String role, long expires) {
        byte[] payload = (username + "|" + role + "|" + expires).getBytes(StandardCharsets.UTF_8);
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        return enc.encodeToString(payload) + "." + enc.encodeToString(hmac256(secret, payload));
    }

    public static Principal verifyToken(byte[] secret, String token, long nowEpochSeconds) {
        if (token == null) return null;
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.') || token.length() > 2048) return null;
        try {
            Base64.Decoder dec = Base64.getUrlDecoder();
            byte[] payload = dec.decode(token.substring(0, dot));
            byte[] sig = dec.decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(sig, hmac256(secret, payload))) return null;
            String p = new String(payload, StandardCharsets.UTF_8);
            int b = p.lastIndexOf('|');
            int a = b > 0 ? p.lastIndexOf('|', b - 1) : -1;
            if (a <= 0) return null;
            long exp = Long.parseLong(p.substring(b + 1));
            if (exp <= nowEpochSeconds) return null;
            String role = p.substring(a + 1, b);
            if (!role.equals("trader") && !role.equals("admin")) return null;
            return new Principal(p.substring(0, a), role, exp);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
