#!/usr/bin/env python3
"""Man pages and bash/zsh completions for securechat, generated from its --help.

The options and subcommands come from the binary itself (CLI11's --help, walked recursively),
so they cannot drift from the code; the prose of each man page is written by hand in
packaging/man/PAGE.1.in, where the line @OPTIONS@ (or @COMMANDS@ in securechat.1.in) is
replaced by the generated part. A top-level subcommand without its .1.in is an error.

Usage: gen_cli_docs.py --bin build/bin/securechat --man-src packaging/man --out DIR
Writes DIR/man/securechat.1, DIR/man/securechat-SUB.1 (and each .gz), DIR/completion/securechat (bash) and
DIR/completion/_securechat (zsh). gen_cli_docs.py --bin B --tree prints the parsed tree.
"""
import argparse
import gzip
import json
import pathlib
import re
import subprocess
import sys

SECTIONS = ("Options", "Positionals", "Subcommands")
COLUMN = 30  # CLI11's default column width for names


def run_help(binary, path):
    out = subprocess.run([binary, *path, "--help"], capture_output=True, text=True, check=True)
    return out.stdout


def parse_entries(lines):
    """CLI11 prints '  NAME   DESCRIPTION', continuation lines indented by COLUMN."""
    entries = []
    for line in lines:
        if not line.strip():
            continue
        if line.startswith(" " * COLUMN) and entries:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
            continue
        name, desc = line[:COLUMN].strip(), line[COLUMN:].strip()
        if len(line.rstrip()) > COLUMN and line[COLUMN - 1] != " ":  # name overflowed the column
            name, desc = line.strip(), ""
        entries.append([name, desc])
    return entries


def parse_option(name, desc):
    """'--key TEXT:{a,b} [ed25519]' -> flags, metavar, whether it takes a value."""
    spec, _, rest = name.partition(" ")
    flags = [f for f in spec.split(",") if f]
    first = rest.split(" ", 1)[0] if rest else ""
    takes_value = bool(re.fullmatch(r"[A-Z][A-Z0-9_]*([:=].*)?", first)) and first != "REQUIRED"
    # CLI11 spells a fixed set of values TEXT:{a,b} (IsMember) or TEXT:a|b (a custom check).
    m = re.fullmatch(r"[A-Z]+:(?:\{([a-z0-9,-]+)\}|([a-z0-9-]+(?:\|[a-z0-9-]+)+))(?:=.*)?", first)
    choices = re.split(r"[,|]", m.group(1) or m.group(2)) if takes_value and m else []
    return {"flags": flags, "rest": rest, "desc": desc, "takes_value": takes_value,
            "choices": choices}


def parse_help(text):
    lines = text.splitlines()
    usage_at = next(i for i, l in enumerate(lines) if l.startswith("Usage:"))
    node = {"description": " ".join(l.strip() for l in lines[:usage_at] if l.strip()),
            "usage": lines[usage_at][len("Usage:"):].strip(),
            "options": [], "positionals": [], "subcommands": []}
    section, body, footer = None, [], []
    for line in lines[usage_at + 1:] + ["Options:"]:  # a sentinel flushes the last section
        if line.strip() and not line.startswith(" ") and line.rstrip(":") not in SECTIONS:
            footer.append(line.strip())  # the footer (after every section), not an entry
        elif line.rstrip(":") in SECTIONS and line.endswith(":") and not line.startswith(" "):
            if section:
                entries = parse_entries(body)
                if section == "Options":
                    node["options"] += [parse_option(n, d) for n, d in entries]
                elif section == "Positionals":
                    node["positionals"] += [{"name": n.split(" ")[0], "rest": n, "desc": d}
                                            for n, d in entries]
                else:
                    node["subcommands"] += [{"name": n, "desc": d} for n, d in entries]
            section, body = line.rstrip(":"), []
        elif section:
            body.append(line)
    node["footer"] = " ".join(footer)
    return node


def walk(binary, path=()):
    node = parse_help(run_help(binary, list(path)))
    node["path"] = list(path)
    node["children"] = [walk(binary, (*path, s["name"])) for s in node["subcommands"]]
    return node


# ---- man pages (roff) ----

def roff(text):
    text = text.replace("\\", "\\e")
    return re.sub(r"^([.'])", r"\\&\1", text)


def roff_flag(text):
    return roff(text).replace("-", "\\-")


def man_options(node):
    out = []
    if node["positionals"]:
        out += [".PP", "Arguments:"]
        for p in node["positionals"]:
            out += [".TP", f"\\fI{roff(p['name'])}\\fR {roff(p['rest'][len(p['name']):].strip())}",
                    roff(p["desc"])]
    out += [".PP", "Options:"]
    for o in node["options"]:
        flags = ", ".join(f"\\fB{roff_flag(f)}\\fR" for f in o["flags"])
        out += [".TP", f"{flags} {roff(o['rest'])}".rstrip(), roff(o["desc"]) or "\\&"]
    return out


def man_section(node, heading):
    """SYNOPSIS-like usage, options, then each subcommand as a subsection (recursively)."""
    out = [f".SH {heading}", ".nf", roff(node["usage"]), ".fi", *man_options(node),
           *man_footer(node)]
    for child in node["children"]:
        out += man_subsection(child)
    return out


def man_footer(node):
    return [".PP", roff(node["footer"])] if node["footer"] else []


def man_subsection(node):
    out = [f".SS {roff(' '.join(node['path']))}", roff(node["description"]), ".PP", ".nf",
           roff(node["usage"]), ".fi", *man_options(node), *man_footer(node)]
    for child in node["children"]:
        out += man_subsection(child)
    return out


def man_commands(root):
    out = [".SH COMMANDS"]
    for s in root["subcommands"]:
        out += [".TP", f"\\fBsecurechat\\-{roff_flag(s['name'])}\\fR(1)",
                f"\\fB{roff(s['name'])}\\fR: {roff(s['desc'])}"]
    return out + [".SH OPTIONS", *man_options(root)]


def fill(template_path, marker, generated, version):
    text = template_path.read_text()
    if marker not in text:
        sys.exit(f"gen_cli_docs: {template_path} has no {marker} line")
    return text.replace("@VERSION@", version).replace(marker, "\n".join(generated))


# ---- completions ----

def all_nodes(node):
    yield node
    for child in node["children"]:
        yield from all_nodes(child)


def choice_case_lines(root, indent, body):
    """One case label 'PATH FLAG') per option flag with fixed values, for both shells."""
    lines = []
    for n in all_nodes(root):
        for o in n["options"]:
            for f in o["flags"] if o["choices"] else []:
                lines.append(f"{indent}'{' '.join([*n['path'], f])}') {body(o['choices'])} ;;")
    return lines


def bash_completion(root):
    cases = []
    for n in all_nodes(root):
        words = [s["name"] for s in n["subcommands"]] + [f for o in n["options"] for f in o["flags"]]
        values = [f for o in n["options"] if o["takes_value"] for f in o["flags"]]
        cases.append(f"        '{' '.join(n['path'])}') words='{' '.join(words)}'; "
                     f"values='{' '.join(values)}' ;;")
    choice_cases = choice_case_lines(root, "        ", lambda c: f"words='{' '.join(c)}'")
    return f"""# bash completion for securechat, generated from its --help by tools/gen_cli_docs.py
_securechat() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local sub='' words values i w
    # The subcommand path so far: every earlier word that names a subcommand of the path.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${{COMP_WORDS[i]}}
        _securechat_node "$sub"
        case " $words " in *" $w "*) [[ $w != -* ]] && sub=${{sub:+$sub }}$w ;; esac
    done
    _securechat_node "$sub"
    case " $values " in
        *" $prev "*)
            _securechat_choices "$sub $prev"
            if [[ -n $words ]]; then
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
            else
                compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))
            fi
            return ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    [[ ${{#COMPREPLY[@]}} -eq 0 && $cur != -* ]] && COMPREPLY=($(compgen -f -- "$cur"))
    return 0
}}
_securechat_node() {{
    case $1 in
{chr(10).join(cases)}
        *) words=''; values='' ;;
    esac
}}
_securechat_choices() {{  # the fixed values of an option, else nothing (then: file names)
    words=''
    case $1 in
{chr(10).join(choice_cases)}
    esac
}}
complete -F _securechat securechat
"""


def zsh_quote(text):
    return text.replace("'", "'\\''").replace(":", "\\:")


def zsh_completion(root):
    cases = []
    for n in all_nodes(root):
        subs = " ".join(f"'{zsh_quote(s['name'])}:{zsh_quote(s['desc'])}'" for s in n["subcommands"])
        opts = " ".join(f"'{zsh_quote(f)}:{zsh_quote(o['desc'])}'"
                        for o in n["options"] for f in o["flags"])
        values = " ".join(f for o in n["options"] if o["takes_value"] for f in o["flags"])
        cases.append(f"    '{' '.join(n['path'])}') subs=({subs}); opts=({opts}); "
                     f"values=({values}) ;;")
    choice_cases = choice_case_lines(root, "    ", lambda c: f"choices=({' '.join(c)})")
    return f"""#compdef securechat
# zsh completion for securechat, generated from its --help by tools/gen_cli_docs.py
_securechat_node() {{
  case $1 in
{chr(10).join(cases)}
    *) subs=(); opts=(); values=() ;;
  esac
}}

_securechat_choices() {{  # the fixed values of an option, else none (then: file names)
  choices=()
  case $1 in
{chr(10).join(choice_cases)}
  esac
}}

_securechat() {{
  local sub='' w i  # not 'path': zsh ties it to PATH
  local -a subs opts values names choices
  # The subcommand path so far: every earlier word that names a subcommand of the path.
  for (( i = 2; i < CURRENT; i++ )); do
    w=${{words[i]}}
    _securechat_node "$sub"
    names=(${{subs%%:*}})
    (( ${{names[(Ie)$w]}} )) && sub=${{sub:+$sub }}$w
  done
  _securechat_node "$sub"
  if (( ${{values[(Ie)${{words[CURRENT-1]}}]}} )); then
    _securechat_choices "$sub ${{words[CURRENT-1]}}"
    if (( $#choices )); then
      compadd -a choices
    else
      _files
    fi
  elif [[ $PREFIX == -* ]]; then
    _describe -t options option opts
  elif (( $#subs )); then
    _describe -t commands command subs
  else
    _files
  fi
}}

_securechat "$@"
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--man-src", type=pathlib.Path)
    ap.add_argument("--out", type=pathlib.Path)
    ap.add_argument("--tree", action="store_true", help="print the parsed --help tree as JSON")
    args = ap.parse_args()
    root = walk(args.bin)
    if args.tree:
        json.dump(root, sys.stdout, indent=1)
        return 0
    version = subprocess.run([args.bin, "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
    (args.out / "man").mkdir(parents=True, exist_ok=True)
    (args.out / "completion").mkdir(parents=True, exist_ok=True)
    pages = {"securechat.1": fill(args.man_src / "securechat.1.in", "@COMMANDS@",
                                  man_commands(root), version)}
    for child in root["children"]:
        name = f"securechat-{child['path'][0]}.1"
        template = args.man_src / f"{name}.in"
        if not template.exists():
            sys.exit(f"gen_cli_docs: subcommand '{child['path'][0]}' has no man page: write {template}")
        pages[name] = fill(template, "@OPTIONS@", man_section(child, "OPTIONS"), version)
    for name, text in pages.items():
        (args.out / "man" / name).write_text(text)
        # Debian installs man pages gzipped; mtime 0 keeps the package reproducible.
        with open(args.out / "man" / f"{name}.gz", "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                gz.write(text.encode())
    (args.out / "completion" / "securechat").write_text(bash_completion(root))
    (args.out / "completion" / "_securechat").write_text(zsh_completion(root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
