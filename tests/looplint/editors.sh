# editors.sh - `check --format gcc` prints what editors' gcc parsers read,
# checked by running what docs/editors.md shows: every line matches VS
# Code's $gcc problem matcher pattern; Vim's `:make` with the default
# errorformat fills the quickfix list with each finding and note at its
# file, line and column; Emacs' compilation mode (`M-x compile`, then
# `M-g n`, run in batch) visits the finding at its place.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project"
cp "$SOURCE_DIR/fixtures/blocking-call/01_bad_sleep_in_task.c" "$project/task.c"
write_database "$project" task.c
touch "$project/.looplint"
pushd "$project" >/dev/null
expect_status 1 "gcc format from the project root" "$LOOPLINT" check --format gcc --db "$WORK/store.db"
popd >/dev/null
# VS Code's $gcc: ^(.*?):(\d+):(\d*):?\s+(?:fatal\s+)?(warning|error):\s+(.*)$ (plus note lines)
bad=$(grep -cvE '^[^:]+:[0-9]+:[0-9]+: (fatal )?(warning|error|note): .+$' <<<"$OUT" || true)
[[ $bad -eq 0 ]] && pass "every line is file:line:col: severity: message" || fail "$bad lines in another form"
expect_match "$OUT" '^task\.c:[0-9]+:[0-9]+: error: .*\[looplint-blocking-call\]$' "the finding, relative to the root"
expect_match "$OUT" '^task\.c:[0-9]+:[0-9]+: note: ' "its chain as note lines"

if ! command -v vim >/dev/null || ! command -v emacs >/dev/null; then
    fail "vim or emacs is missing: run scripts/setup.sh"
    finish
fi
PATH="$(dirname "$LOOPLINT"):$PATH"
export PATH

# Vim: the makeprg of docs/editors.md (plus this test's --db), :make, and
# the valid quickfix entries written out as file:line:col.
want=$(sed -E 's/^([^:]+:[0-9]+:[0-9]+):.*/\1/' <<<"$OUT")
pushd "$project" >/dev/null
vim -u NONE -i NONE -N -es \
    -c "set makeprg=looplint\\ check\\ --format\\ gcc\\ --db\\ $WORK/store.db" \
    -c 'silent make' \
    -c 'call writefile(map(filter(getqflist(), "v:val.valid"), "bufname(v:val.bufnr) . \":\" . v:val.lnum . \":\" . v:val.col"), "quickfix.txt")' \
    -c 'qa!' </dev/null >/dev/null 2>&1 || true
popd >/dev/null
got=$(cat "$project/quickfix.txt" 2>/dev/null || true)
if [[ -n $want && $got == "$want" ]]; then
    pass "vim's :make fills the quickfix list with every finding and note"
else
    fail "vim quickfix: got '$got', want '$want'"
fi

# Emacs: M-x compile with the command of docs/editors.md, then next-error
# (M-g n) until there is none; each stop is recorded as file:line:col.
# Notes are compilation mode's "info" level, which next-error skips.
cat >"$WORK/next-error.el" <<ELISP
(require 'compile)
(let ((buffer (compilation-start "looplint check --format gcc --db $WORK/store.db"))
      (stops '()))
  (while (get-buffer-process buffer)
    (accept-process-output nil 0.05))
  (with-current-buffer buffer (goto-char (point-min)))
  (condition-case nil
      (while t
        (next-error)
        (with-current-buffer (window-buffer (selected-window))
          (goto-char (window-point (selected-window)))
          (push (format "%s:%d:%d" (file-relative-name (buffer-file-name) default-directory)
                        (line-number-at-pos) (1+ (current-column)))
                stops)))
    (error nil))
  (princ (mapconcat #'identity (nreverse stops) "\n")))
ELISP
want=$(grep -E ': (error|warning): ' <<<"$OUT" | sed -E 's/^([^:]+:[0-9]+:[0-9]+):.*/\1/')
got=$(cd "$project" && emacs --batch -Q -l "$WORK/next-error.el" 2>/dev/null || true)
if [[ -n $want && $got == "$want" ]]; then
    pass "emacs' next-error visits every finding at its place"
else
    fail "emacs next-error: got '$got', want '$want'"
fi
finish
