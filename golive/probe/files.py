"""Files on a host, many at a time: their mode and owner, the entries of a directory wider
than a mode, and the files a shell pattern names (one remote command each, however many
paths: a check over fifty hosts asks each host a handful of times, not once per file)."""

from __future__ import annotations

from golive.model.facts.hardening import FileFacts
from golive.probe.hosts import Target


def stat(target: Target, paths: list[str]) -> dict[str, FileFacts | None]:
    """Each path's facts, following symbolic links (None: absent, or not visible to the
    check user). One ``stat`` for all of them."""
    unique = list(dict.fromkeys(paths))
    if not unique:
        return {}
    out = target.run("stat -L -c '%%a|%%U|%%G|%%F|%%n' --" + " %s" * len(unique), *unique)
    found: dict[str, FileFacts | None] = dict.fromkeys(unique)
    for line in out.stdout.splitlines():
        mode, user, group, kind, path = line.split("|", 4)
        found[path] = FileFacts(path, int(mode, 8), user, group, kind == "directory")
    return found


def wider_entries(target: Target, directory: str, dir_mode: int, file_mode: int) -> list[FileFacts]:
    """The entries directly in ``directory`` whose mode has a bit the widest mode for their
    kind (directory or file) lacks; symbolic links are not entries of their own."""
    out = target.run(
        "find %s -mindepth 1 -maxdepth 1 "
        "\\( \\( -type d -perm /%s \\) -o \\( ! -type d ! -type l -perm /%s \\) \\) "
        "-printf '%%m|%%u|%%g|%%y|%%p\\n'",
        directory,
        f"{0o777 & ~dir_mode:04o}",
        f"{0o777 & ~file_mode:04o}",
    )
    entries = []
    for line in out.stdout.splitlines():
        mode, user, group, kind, path = line.split("|", 4)
        entries.append(FileFacts(path, int(mode, 8), user, group, kind == "d"))
    return entries


def expand(target: Target, pattern: str) -> list[str]:
    """The existing paths a shell pattern names on the host, in the shell's (sorted) order."""
    out = target.run('sh -c \'for f in $1; do [ -e "$f" ] && echo "$f"; done; true\' _ %s', pattern)
    return str(out.stdout).splitlines()
