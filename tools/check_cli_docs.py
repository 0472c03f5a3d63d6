#!/usr/bin/env python3
"""Every subcommand the binary lists has a man page and completion entries, and they work.

Checks, against `securechat --help` (walked recursively by gen_cli_docs.py):
- each top-level subcommand has a hand-written packaging/man/securechat-SUB.1.in, a generated
  page, and is in cli_docs.cmake's SECURECHAT_MAN_PAGES (else the page is never installed);
- every subcommand and flag at every level is in the bash and the zsh completion;
- the pages render without groff warnings; bash (and zsh, if present) parse the completions;
- bash completes subcommands, flags, an option's fixed values and otherwise file names.
Usage: check_cli_docs.py --bin B --docs BUILD/cli-docs --source SOURCE_DIR
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gen_cli_docs  # noqa: E402

problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


def bash_complete(completion, line):
    """COMPREPLY for the command line `line` (completing its last word)."""
    words = line.split(" ")
    script = (f"source {completion.resolve()}; COMP_WORDS=({' '.join(repr(w) for w in words)}); "
              f"COMP_CWORD={len(words) - 1}; _securechat; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd="/")
    return out.stdout.split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--docs", required=True, type=pathlib.Path)
    ap.add_argument("--source", required=True, type=pathlib.Path)
    args = ap.parse_args()
    root = gen_cli_docs.walk(args.bin)
    man, comp = args.docs / "man", args.docs / "completion"
    if not (comp / "securechat").exists():
        sys.exit(f"{comp}/securechat is missing: build the securechat_cli_docs target")
    bash_text = (comp / "securechat").read_text()
    zsh_text = (comp / "_securechat").read_text()
    cmake_text = (args.source / "packaging" / "cli_docs.cmake").read_text()
    listed = re.search(r"set\(SECURECHAT_MAN_PAGES([^)]*)\)", cmake_text).group(1).split()

    subs = [s["name"] for s in root["subcommands"]]
    check(len(subs) >= 6, f"securechat --help lists only {subs}")
    for sub in subs:
        page = f"securechat-{sub}"
        check((args.source / "packaging" / "man" / f"{page}.1.in").exists(),
              f"{sub}: no hand-written packaging/man/{page}.1.in")
        check((man / f"{page}.1.gz").exists(), f"{sub}: no generated {page}.1.gz")
        check(page in listed, f"{sub}: {page} is not in SECURECHAT_MAN_PAGES (cli_docs.cmake)")
    for node in gen_cli_docs.all_nodes(root):
        where = " ".join(["securechat", *node["path"]])
        bash_case = re.search(rf"^\s*'{re.escape(' '.join(node['path']))}'\) words='([^']*)'",
                              bash_text, re.M)
        check(bash_case is not None, f"bash completion has no entry for '{where}'")
        bash_words = bash_case.group(1).split() if bash_case else []
        for word in [s["name"] for s in node["subcommands"]] + [
                f for o in node["options"] for f in o["flags"]]:
            check(word in bash_words, f"bash completion of '{where}' lacks {word}")
            check(f"'{word}:" in zsh_text or f" {word} " in zsh_text or f"({word} " in zsh_text,
                  f"zsh completion of '{where}' lacks {word}")

    for page in sorted(man.glob("*.1")):
        out = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
                             capture_output=True, text=True)
        check(out.returncode == 0 and not out.stderr.strip(), f"{page.name}: groff: {out.stderr}")
    out = subprocess.run(["bash", "-n", str(comp / "securechat")], capture_output=True, text=True)
    check(out.returncode == 0, f"bash -n: {out.stderr}")
    if shutil.which("zsh"):
        out = subprocess.run(["zsh", "-n", str(comp / "_securechat")], capture_output=True,
                             text=True)
        check(out.returncode == 0, f"zsh -n: {out.stderr}")
    else:
        print("note: zsh is not installed; the zsh completion's syntax was not checked")

    check(bash_complete(comp / "securechat", "securechat ser") == ["server"],
          f"'securechat ser<TAB>' gave {bash_complete(comp / 'securechat', 'securechat ser')}")
    check("--check-config" in bash_complete(comp / "securechat", "securechat server --check"),
          "'securechat server --check<TAB>' does not offer --check-config")
    check("add" in bash_complete(comp / "securechat", "securechat server admin "),
          "'securechat server admin <TAB>' does not offer add")
    check(bash_complete(comp / "securechat", "securechat pki verify --purpose ") == ["server", "client"],
          "'securechat pki verify --purpose <TAB>' does not offer server and client")
    check(bash_complete(comp / "securechat", "securechat pki init --key e") == ["ed25519", "ecdsa-p256"],
          "'securechat pki init --key e<TAB>' does not offer ed25519 and ecdsa-p256")
    check("etc" in bash_complete(comp / "securechat", "securechat server --config e"),
          "'securechat server --config e<TAB>' (cwd /) does not complete file names")

    for p in problems:
        print("FAIL", p)
    print(f"{'FAILED' if problems else 'OK'}: {len(list(gen_cli_docs.all_nodes(root)))} commands, "
          f"{len(subs)} subcommands with man pages and completions")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
