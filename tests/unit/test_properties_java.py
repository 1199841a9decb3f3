"""golive's properties reader and writer against Java's own ``java.util.Properties``.

A generated corpus (seeded: separators, whitespace, escapes, ``\\uXXXX`` with surrogate pairs
and malformed ones, unicode, continuations, comments, duplicate keys, every line ending) is
loaded by a tiny Java program in one JVM run and by :func:`golive.model.properties.loads`,
and compared property by property; then what :func:`dumps` writes is read back by Java, both
as ``load(InputStream)`` (ISO-8859-1, as Allure reads environment.properties) and as
``load(Reader)``.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from golive.model.properties import PropertiesError, dumps, loads

JAVA = r"""
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class LoadProps {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) b.append(String.format("%04x", (int) s.charAt(i)));
        return b.length() == 0 ? "-" : b.toString();
    }
    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(System.out, false, "US-ASCII");
        for (String arg : args) {
            Path path = Paths.get(arg.substring(2));
            Properties p = new Properties();
            out.println("F " + arg);
            try {
                if (arg.startsWith("s:")) {
                    try (InputStream in = Files.newInputStream(path)) { p.load(in); }
                } else {
                    try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                        p.load(r);
                    }
                }
            } catch (IllegalArgumentException e) {
                out.println("E " + e.getMessage());
                continue;
            }
            for (String k : p.stringPropertyNames()) {
                out.println("P " + hex(k) + " " + hex(p.getProperty(k)));
            }
        }
        out.flush();
    }
}
"""

TOKENS = [
    "a", "b", "key", "mfa", ".", "required", "1", "é", "ß", "€", "😀", "中",
    "=", ":", " ", "  ", "\t", "\f", "#", "!", "\\", "\\\\", "\\ ", "\\=", "\\:", "\\#",
    "\\t", "\\n", "\\r", "\\f", "\\x", "\\a", "\\u002e", "\\u00E9", "\\u20ac",
    "\\ud83d\\ude00", "\\ud83d", "\\u0041x", "\\u12", "\\uZZZZ",
    "\n", "\n", "\n", "\r\n", "\r", "\\\n", "\\\r\n", "\\\r", "\\\n   ", "\\\n#", "\n#c ",
    "\n!c\\\n", "\n  ", "\n\t", "\na=", "\na:", "\na ", "\nb\\\n  c",
]  # fmt: skip
CASES = 400


def _corpus(seed: int = 21) -> list[str]:
    rng = random.Random(seed)
    texts = [
        "mfa.required=true\nmfa.required : off\n",
        "session\\u002ettl.seconds=604800\n",
        "a\\=b=c\\nd\n",
        "key value with  spaces  \n",
        "  lead = trail \\\n    continued\\\n\tmore\n",
        "#comment \\\nnot.a.continuation=1\n",
        "\\\n#after an empty continued line\n",
        "\\",
        "x=1\\",
        "dup=1\ndup=2\ndup:3\n",
    ]
    while len(texts) < CASES:
        texts.append("".join(rng.choices(TOKENS, k=rng.randint(1, 40))))
    return texts


def _decode(hexed: str) -> str:
    if hexed == "-":
        return ""
    units = bytes.fromhex(hexed)
    return units.decode("utf-16-be", "surrogatepass")


def _java(tmp_path: Path, args: list[str]) -> dict[str, dict[str, str] | str]:
    """What Java's Properties loads from each ``mode:path`` (or "error: ...")."""
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        pytest.fail("no JDK here: javac/java come from scripts/apt-packages.txt (make setup)")
    (tmp_path / "LoadProps.java").write_text(JAVA)
    subprocess.run([javac, "LoadProps.java"], cwd=tmp_path, check=True, timeout=60)
    run = subprocess.run(
        [java, "-cp", str(tmp_path), "LoadProps", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen: dict[str, dict[str, str] | str] = {}
    current = ""
    for line in run.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "F":
            current = rest
            seen[current] = {}
        elif kind == "E":
            seen[current] = f"error: {rest}"
        else:
            key, value = rest.split(" ")
            entry = seen[current]
            assert isinstance(entry, dict)
            entry[_decode(key)] = _decode(value)
    return seen


def _python(text: str) -> dict[str, str] | str:
    try:
        return loads(text)
    except PropertiesError:
        return "error"


def test_reader_and_writer_match_java(tmp_path: Path) -> None:
    corpus = _corpus()
    args, expected = [], {}
    for i, text in enumerate(corpus):
        path = tmp_path / f"c{i}.properties"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        args.append(f"r:{path}")
        expected[args[-1]] = _python(text)
    written = [p for p in expected.values() if isinstance(p, dict) and p]
    for i, props in enumerate(written):
        path = tmp_path / f"w{i}.properties"
        path.write_bytes(dumps(props).encode("ascii"))  # ASCII only, or this raises
        for mode in "sr":
            args.append(f"{mode}:{path}")
            expected[args[-1]] = props
    java = _java(tmp_path, args)
    errors = sum(isinstance(v, str) for v in expected.values())
    assert 10 < errors < CASES / 2, "the corpus exercises malformed escapes, not only them"
    for arg, want in expected.items():
        got = java[arg]
        source = (tmp_path / arg[2:]).read_bytes().decode("utf-8", "surrogatepass")
        if isinstance(want, str):
            assert isinstance(got, str), f"{arg}: Java loads {source!r}, golive refused it"
            continue
        assert got == want, f"{arg}: {source!r}"


@pytest.mark.parametrize(
    ("text", "props"),
    [
        ("mfa.required=true\nmfa.required : off\n", {"mfa.required": "off"}),
        ("session\\u002ettl.seconds=604800\n", {"session.ttl.seconds": "604800"}),
        ("a\\=b=c\\nd\n", {"a=b": "c\nd"}),
        ("k v\\\n   w\n", {"k": "vw"}),
        ("#x \\\ny=1\n", {"y": "1"}),
        ("e=\\ud83d\\ude00\n", {"e": "😀"}),
    ],
)
def test_the_issue_cases(text: str, props: dict[str, str]) -> None:
    assert loads(text) == props
    assert loads(dumps(props)) == props


def test_a_malformed_unicode_escape_is_refused() -> None:
    with pytest.raises(PropertiesError, match="malformed"):
        loads("a=\\u12g4\n")
