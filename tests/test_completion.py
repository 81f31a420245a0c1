"""Shell completion, driven as the shells drive it: the script from --show-completion sourced in a
real bash, and the entry point run with the variables Typer's bash, zsh and fish scripts set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

BIN = os.path.dirname(sys.executable)  # the venv's bin: the minicrm console script is there


def run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}:/usr/bin:/bin", **env_extra}
    return subprocess.run([os.path.join(BIN, "minicrm"), *args], env=env, capture_output=True, text=True, timeout=60)


def bash(words: str) -> list[str]:
    """What Typer's bash script asks: COMP_WORDS joined, COMP_CWORD the word being completed."""
    count = len(words.split())
    cword = count if words.endswith(" ") else count - 1
    out = run({"_MINICRM_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return [line for line in out.stdout.splitlines() if line]


def fish(words: str) -> list[tuple[str, str]]:
    out = run({"_MINICRM_COMPLETE": "complete_fish", "_TYPER_COMPLETE_ARGS": words,
               "_TYPER_COMPLETE_FISH_ACTION": "get-args"})  # fmt: skip
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return [tuple(line.split("\t", 1)) if "\t" in line else (line, "") for line in out.stdout.splitlines() if line]


@pytest.fixture
def demo(cli):
    cli.ok("demo")
    return cli


def test_show_completion_bash_is_a_working_script(demo, tmp_path):
    out = run({}, "--show-completion", "bash")
    assert out.returncode == 0 and "complete -o default -F _minicrm_completion minicrm" in out.stdout
    if not shutil.which("bash"):
        pytest.skip("no bash here")
    script = tmp_path / "minicrm.bash"
    script.write_text(out.stdout)
    # bash sources the script, then does what pressing TAB after `minicrm show mar` does
    probe = (f"source {script}\n"
             "COMP_WORDS=(minicrm show mar); COMP_CWORD=2\n"
             "_minicrm_completion minicrm mar show\n"
             "printf '%s\\n' \"${COMPREPLY[@]}\"\n")  # fmt: skip
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", probe], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{BIN}:/usr/bin:/bin"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Maria\\ Gonzalez"]  # one word, quoted as bash inserts it


def test_contact_names_complete_whatever_the_case_and_accents(demo):
    assert bash("minicrm show mar") == ["Maria\\ Gonzalez"]
    assert bash("minicrm show MAR") == ["Maria\\ Gonzalez"]
    assert bash("minicrm show cafe") == ["Café\\ Lumen"]  # the folded name: no accents needed
    assert bash("minicrm show sam") == ["Sam\\ O\\'Brien"]
    assert bash("minicrm log jo") == ["Jonas\\ Weber"]
    assert bash("minicrm history --kind order ma") == ["Maria\\ Gonzalez"]
    assert bash("minicrm show zzz") == []
    assert len(bash("minicrm show ")) == demo.ok("list", "--json").stdout.count('"name"')
    # zsh and fish quote for themselves, and show the email as description
    assert fish("minicrm show mar") == [("Maria Gonzalez", "maria.gonzalez@example.com")]
    out = run({"_MINICRM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "minicrm show mar"})
    assert out.stdout.strip() == """_arguments '*: :(("Maria Gonzalez":"maria.gonzalez@example.com"))'"""


def test_a_shared_name_completes_to_the_ids(demo):
    demo.ok("add", "Maria Gonzalez", "--email", "maria@other.example")
    found = fish("minicrm show maria")
    assert len(found) == 2 and all(value.isdigit() for value, _ in found)
    assert {help for _, help in found} == {"Maria Gonzalez maria.gonzalez@example.com",
                                           "Maria Gonzalez maria@other.example"}  # fmt: skip


def test_tags_stages_and_kinds(demo):
    assert bash("minicrm list --tag ") == ["cakes", "client", "gluten-free", "lead", "regular", "vip", "wholesale"]
    assert bash("minicrm list --tag w") == ["wholesale"]
    assert bash("minicrm list --stage c") == ["consideration"]
    assert bash("minicrm stage maria r") == ["retention"]
    assert bash("minicrm deal list --stage ") == ["lead", "proposal", "negotiation", "won", "lost"]
    assert bash("minicrm due --kind re") == ["reminder", "reorder"]
    assert bash("minicrm log maria o") == ["order"]
    assert bash("minicrm history --kind ") == ["call", "email", "meeting", "note", "order", "message", "visit",
                                               "ticket", "referral", "refund"]  # fmt: skip


def test_items_and_reminder_ids_complete_with_their_text(demo):
    found = dict(fish("minicrm done "))
    reminders = {str(r["id"]): r for r in demo.ok("due", "--week", "--json").json() if r["kind"] == "reminder"}
    for number, reminder in reminders.items():
        assert found[number].startswith(f"{reminder['text']} — {reminder['contact_name']}")
    assert found["cadence:7"] == "Get in touch (every 30 days) — Lena Fischer"
    deals = [i["item_id"] for i in demo.ok("due", "--week", "--json").json() if i["kind"] == "deal"]
    assert deals and [value for value, _ in fish("minicrm snooze dea")] == deals
    assert dict(fish("minicrm reminder edit 5"))["5"].startswith("Send the brand guidelines PDF — Priya Nair")
    assert "cadence:7" not in dict(fish("minicrm reminder cancel "))


def test_commands_complete_with_their_summaries(demo):
    assert bash("minicrm di") == ["digest"]
    assert ("due", "The day's work, most urgent first.") in fish("minicrm d")
    assert "--show-completion" in bash("minicrm --s")


def test_completion_never_writes(cli, tmp_path, isolated):
    missing = tmp_path / "none.db"
    assert bash(f"minicrm --db {missing} show ma") == []
    assert not missing.exists()
    assert bash("minicrm show ma") == []  # the default database of the tests, not created yet
    assert not isolated.exists()
    cli.ok("add", "Maria Gonzalez")
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in tmp_path.iterdir()}
    assert bash("minicrm show ma") == ["Maria\\ Gonzalez"]
    assert bash("minicrm done ") == []
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in tmp_path.iterdir()} == before


def test_not_a_database_gives_no_suggestion_and_no_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite")
    assert bash(f"minicrm --db {bad} show ma") == []
    assert bad.read_text() == "not sqlite"


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o default -F _minicrm_completion minicrm"),
                                           ("zsh", "#compdef minicrm"), ("fish", "complete --command minicrm"),
                                           ("powershell", "Register-ArgumentCompleter")])  # fmt: skip
def test_show_completion_for_each_shell(cli, shell, marker):
    for args in (("--show-completion", shell), (f"--show-completion={shell}",)):
        out = cli(*args)
        assert out.exit_code == 0 and marker in out.stdout and "_MINICRM_COMPLETE" in out.stdout


def test_an_unknown_shell_is_one_line(cli):
    out = cli("--show-completion", "tcsh")
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr == "Error: 'tcsh' is not a shell minicrm completes. Use one of: bash, zsh, fish, powershell, pwsh\n"


def test_install_completion_writes_where_bash_reads_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = run({"HOME": str(home)}, "--install-completion", "bash")
    assert out.returncode == 0, out.stderr
    assert "Installed bash completion in" in out.stderr
    assert "_MINICRM_COMPLETE=complete_bash" in (home / ".bash_completions" / "minicrm.sh").read_text()
    assert "source" in (home / ".bashrc").read_text()


def test_names_are_an_indexed_prefix_query(store):
    plan = " ".join(store.query_plan(
        "SELECT c.id FROM contacts c WHERE c.name_fold >= ? AND c.name_fold < ? AND c.uid <> ?"
        " ORDER BY c.name_fold, c.id LIMIT 50", ("mar", "mar\U0010ffff", "x")))  # fmt: skip
    assert "USING INDEX contacts_name_fold (name_fold>? AND name_fold<?)" in plan and "SCAN c" not in plan
    tags = " ".join(store.query_plan("SELECT DISTINCT tag FROM contact_tags WHERE tag >= ? AND tag < ? ORDER BY tag"
                                     " LIMIT 50", ("a", "a\U0010ffff")))  # fmt: skip
    assert "contact_tags_tag" in tags and "SCAN contact_tags" not in tags.replace("USING COVERING INDEX", "")
