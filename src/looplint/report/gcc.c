/*
 * gcc.c - one line per finding and one per note, as gcc prints them:
 *
 *     src/conn.c:42:5: warning: sleep() blocks the loop [looplint-blocking-call]
 *     src/conn.c:17:9: note: conn_run runs on the loop
 *
 * For problem matchers, Vim's quickfix and Emacs' compile mode, which parse
 * exactly this and know no `remark:`; a note-level finding therefore prints
 * as `note:`, its own name. No source excerpt, no summary: every line is a location.
 */
#include "internal.h"

static void print_finding(FILE *out, const ll_finding *finding, const char *root)
{
    ll_report_print_place(out, &finding->place, root);
    fprintf(out, "%s: ", ll_severity_name(finding->severity));
    ll_report_print_message(out, finding);
    fputc('\n', out);
    for (uint32_t i = 0; i < finding->note_count; i++) {
        const ll_note *note = &finding->notes[i];
        ll_report_print_place(out, &note->place, root);
        fprintf(out, "note: %s\n", note->message);
    }
}

int ll_report_write_gcc(FILE *out, const ll_findings *findings, const ll_report_options *options,
                        ll_error *error)
{
    (void)error; /* nothing fails here but the stream, which the caller checks */
    for (size_t i = 0; i < findings->count; i++) {
        if (ll_report_shows(&findings->items[i], options))
            print_finding(out, &findings->items[i], options->root);
    }
    return 0;
}
