# pages.cmake - compiles the pages of docs/checks/ into looplint, so that
# `looplint explain ID` prints exactly docs/checks/ID.md: the page is the
# single source of a check's explanation.
#
# Run as: cmake -DDIRECTORY=<docs/checks> -DOUTPUT=<file.c> -P pages.cmake
# Each page becomes an array of bytes (no escaping to get wrong: any byte
# of the Markdown survives), listed in a NULL-terminated table by check id,
# the page's file name without `.md`. Pages are taken in name order, so
# the output is the same on every machine.
file(GLOB _pages "${DIRECTORY}/*.md")
list(SORT _pages)

set(_arrays "")
set(_table "")
set(_index 0)
foreach(_page IN LISTS _pages)
    get_filename_component(_id "${_page}" NAME_WLE)
    file(READ "${_page}" _hex HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
    string(APPEND _arrays "static const unsigned char page_${_index}[] = {${_bytes}0x00};\n")
    string(APPEND _table "    {\"${_id}\", (const char *)page_${_index}, sizeof page_${_index} - 1},\n")
    math(EXPR _index "${_index} + 1")
endforeach()

set(_source "/* Generated from the pages of docs/checks by src/looplint/cli/pages.cmake: do not edit. */
#include \"cli/explain.h\"

${_arrays}
const ll_explain_page ll_explain_pages[] = {
${_table}    {0, 0, 0},
};
")

# Rewritten only when it changes, so that an unchanged page rebuilds nothing.
set(_old "")
if(EXISTS "${OUTPUT}")
    file(READ "${OUTPUT}" _old)
endif()
if(NOT _old STREQUAL _source)
    file(WRITE "${OUTPUT}" "${_source}")
endif()
