# install.sh - `cmake --install` puts looplint and its rule packs under the
# prefix, and the installed binary finds its packs (and nest.h, for verify)
# there, not in the source tree.
source "$(dirname "$0")/common.bash"

cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" >/dev/null
installed=$WORK/prefix/bin/looplint
[[ -x $installed ]] && pass "binary installed" || fail "no $installed"
[[ -f $WORK/prefix/share/looplint/rules/nest.rules ]] && pass "packs installed" || fail "no packs under share/looplint/rules"
expect_status 0 "installed binary lists its packs" env -u LOOPLINT_RULES_DIR "$installed" rules
expect_match "$OUT" "$WORK/prefix/share/looplint/rules/nest\\.rules" "packs come from the prefix"
expect_no_match "$OUT" "$SOURCE_DIR/rules" "not from the source tree"
cp "$SOURCE_DIR/fixtures/blocking-call/01_bad_sleep_in_task.c" "$WORK/fixture.c"
expect_status 0 "installed verify finds nest.h under the prefix" env -u LOOPLINT_RULES_DIR "$installed" verify "$WORK/fixture.c"
expect_status 0 "the build tree's binary uses the source tree's packs" env -u LOOPLINT_RULES_DIR "$LOOPLINT" rules
expect_match "$OUT" "$SOURCE_DIR/rules/nest\\.rules" "source packs for the build-tree binary"
finish
