/*
 * baseline.h - a baseline as findings, for `looplint diff` (baseline.c):
 * its fingerprints with what each was, so that a diff can print the
 * findings a change fixed.
 */
#ifndef LOOPLINT_CLI_BASELINE_H
#define LOOPLINT_CLI_BASELINE_H

#include "analysis/error.h"
#include "analysis/finding.h"
#include "store/store.h"

/* Appends to `findings` one finding per fingerprint of the baseline that
 * `name_or_file` names (as ll_cli_baseline_read reads it), described by
 * the export's "findings" for a file, by the latest stored runs holding it
 * for a name. A fingerprint nothing describes gives a finding with that
 * fingerprint and an empty rule, file and message. 0, or -1 with an error
 * (an unknown name or a malformed file included). */
int ll_cli_baseline_findings(ll_store *store, const char *name_or_file, ll_findings *findings,
                             ll_error *error);

#endif
