#!/usr/bin/env python3
"""gen_corpus.py - a generated C corpus for the analyzer benchmark.

Writes N translation units (default 300) that look like the event-loop
services looplint is for: each includes libc, pthread and nest headers and
a project header, and defines functions of 10-200 lines (loops, branches,
switches, error paths with goto cleanup) that call functions of other files,
so that call chains cross TUs. Some tasks reach blocking calls and some
resources leak, so the checks have real work. The output is deterministic
for a given seed. It also writes compile_commands.json (one entry per file;
with --duplicates K, K identical entries per file as CMake writes for
targets sharing a source).

usage: gen_corpus.py OUT_DIR NEST_INCLUDE_DIR [--units N] [--seed S] [--duplicates K]
"""
import argparse
import json
import os
import random

HEADERS = ["stdio.h", "stdlib.h", "string.h", "errno.h", "unistd.h", "fcntl.h",
           "pthread.h", "sys/socket.h", "netdb.h", "poll.h", "nest.h", "corpus.h"]


def function_name(unit, index):
    return f"u{unit}_f{index}"


def body(rng, unit, index, units, per_unit):
    """Lines of one function body, 10-200 lines long."""
    lines = []
    target = rng.randint(10, 200)
    depth = 1
    ind = lambda: "    " * depth
    lines.append(f"{ind()}int total = (int)(intptr_t)arg;")
    lines.append(f"{ind()}char buffer[128];")
    lines.append(f"{ind()}snprintf(buffer, sizeof buffer, \"%d\", total);")
    while len(lines) < target:
        kind = rng.random()
        if kind < 0.25:
            other_unit = rng.randrange(units)
            other = function_name(other_unit, rng.randrange(per_unit))
            lines.append(f"{ind()}total += {other}((void *)(intptr_t)total);")
        elif kind < 0.40:
            lines.append(f"{ind()}for (int i = 0; i < {rng.randint(2, 64)}; i++) {{")
            lines.append(f"{ind()}    total += (int)strlen(buffer) * i;")
            lines.append(f"{ind()}    if (total > {rng.randint(100, 100000)})")
            lines.append(f"{ind()}        break;")
            lines.append(f"{ind()}}}")
        elif kind < 0.55:
            lines.append(f"{ind()}if (total % {rng.randint(2, 9)} == 0) {{")
            lines.append(f"{ind()}    total = total / 2 + {rng.randint(1, 50)};")
            lines.append(f"{ind()}}} else if (total < 0) {{")
            lines.append(f"{ind()}    return -1;")
            lines.append(f"{ind()}}} else {{")
            lines.append(f"{ind()}    total -= {rng.randint(1, 50)};")
            lines.append(f"{ind()}}}")
        elif kind < 0.65:
            lines.append(f"{ind()}switch (total & 3) {{")
            lines.append(f"{ind()}case 0:")
            lines.append(f"{ind()}    total++;")
            lines.append(f"{ind()}    /* fallthrough */")
            lines.append(f"{ind()}case 1:")
            lines.append(f"{ind()}    total += 2;")
            lines.append(f"{ind()}    break;")
            lines.append(f"{ind()}default:")
            lines.append(f"{ind()}    total--;")
            lines.append(f"{ind()}}}")
        elif kind < 0.72:
            lines.append(f"{ind()}{{")
            lines.append(f"{ind()}    FILE *file = fopen(\"/tmp/corpus-{unit}\", \"r\");")
            lines.append(f"{ind()}    if (!file)")
            lines.append(f"{ind()}        goto done_{len(lines)};")
            lines.append(f"{ind()}    if (fgets(buffer, sizeof buffer, file))")
            lines.append(f"{ind()}        total += atoi(buffer);")
            lines.append(f"{ind()}    fclose(file);")
            lines.append(f"{ind()}}}")
            lines.append(f"done_{len(lines) - 5}:")
        elif kind < 0.78:
            lines.append(f"{ind()}{{")
            lines.append(f"{ind()}    int fd = open(\"/dev/null\", O_RDONLY);")
            lines.append(f"{ind()}    if (fd < 0)")
            lines.append(f"{ind()}        return -1;")
            lines.append(f"{ind()}    if (total > 1000) {{")
            lines.append(f"{ind()}        close(fd);")
            lines.append(f"{ind()}        return total;")
            lines.append(f"{ind()}    }}")
            lines.append(f"{ind()}    close(fd);")
            lines.append(f"{ind()}}}")
        elif kind < 0.84:
            lines.append(f"{ind()}if (nest_sleep({rng.randint(1, 20)}) != 0)")
            lines.append(f"{ind()}    return -1;")
        elif kind < 0.88:
            lines.append(f"{ind()}{{")
            lines.append(f"{ind()}    nest_task *child = nest_spawn({function_name(rng.randrange(units), rng.randrange(per_unit))}, NULL);")
            lines.append(f"{ind()}    int result = 0;")
            lines.append(f"{ind()}    if (child && nest_join(child, nest_after({rng.randint(10, 1000)}), &result) != 0) {{")
            lines.append(f"{ind()}        nest_cancel(child);")
            lines.append(f"{ind()}        (void)nest_join(child, NEST_FOREVER, NULL);")
            lines.append(f"{ind()}    }}")
            lines.append(f"{ind()}    total += result;")
            lines.append(f"{ind()}}}")
        elif kind < 0.90:
            lines.append(f"{ind()}usleep({rng.randint(1, 100)});")
        else:
            lines.append(f"{ind()}total = (total << 1) ^ (int)buffer[{rng.randint(0, 3)}];")
    lines.append(f"{ind()}return total;")
    return lines


def write_unit(out, rng, unit, units, per_unit):
    path = os.path.join(out, f"unit{unit:04d}.c")
    with open(path, "w") as f:
        f.write(f"/* unit{unit:04d}.c - generated by bench/analyzer/gen_corpus.py */\n")
        for header in HEADERS:
            quote = '"' if header == "corpus.h" else None
            f.write(f'#include "{header}"\n' if quote else f"#include <{header}>\n")
        f.write("#include <stdint.h>\n\n")
        for index in range(per_unit):
            f.write(f"int {function_name(unit, index)}(void *arg) {{\n")
            f.write("\n".join(body(rng, unit, index, units, per_unit)))
            f.write("\n}\n\n")
        if unit % 10 == 0:
            f.write(f"int service_main{unit}(void *arg) {{\n")
            f.write(f"    nest_task *task = nest_spawn({function_name(unit, 0)}, arg);\n")
            f.write("    int result = 0;\n")
            f.write("    if (nest_join(task, NEST_FOREVER, &result) != 0)\n")
            f.write("        return -1;\n")
            f.write("    return result;\n}\n\n")
            f.write(f"int run_service{unit}(void) {{\n")
            f.write(f"    return nest_run(service_main{unit}, NULL, NULL);\n}}\n")
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("include")
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--per-unit", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duplicates", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    out = os.path.abspath(args.out)
    with open(os.path.join(out, "corpus.h"), "w") as f:
        f.write("/* corpus.h - every function of the generated corpus */\n#pragma once\n")
        for unit in range(args.units):
            for index in range(args.per_unit):
                f.write(f"int {function_name(unit, index)}(void *arg);\n")
    commands = []
    for unit in range(args.units):
        path = write_unit(out, rng, unit, args.units, args.per_unit)
        for _ in range(args.duplicates):
            commands.append({"directory": out, "file": path,
                             "arguments": ["cc", "-std=gnu17", "-O2", "-I" + args.include,
                                           "-I" + out, "-c", path, "-o", path + ".o"]})
    with open(os.path.join(out, "compile_commands.json"), "w") as f:
        json.dump(commands, f, indent=1)
    print(f"{args.units} TUs, {args.units * args.per_unit} functions in {out}")


if __name__ == "__main__":
    main()
