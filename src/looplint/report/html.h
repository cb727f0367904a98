/*
 * html.h - the style sheet and the script that html.c inlines into every
 * page (html_assets.c), kept apart from the C that writes the findings.
 */
#ifndef LOOPLINT_REPORT_HTML_H
#define LOOPLINT_REPORT_HTML_H

extern const char ll_html_style[];
extern const char ll_html_script[];

#endif
