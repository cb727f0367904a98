/*
 * consumer.c - a program that uses an installed nest, built by
 * tests/install/run.sh through find_package(nest) and through pkg-config.
 * It runs a loop with one task that sleeps and is joined, and exits 0 when
 * the task's result came back.
 */
#include <nest.h>

#include <stdio.h>

static int child(void *arg)
{
    (void)arg;
    if (nest_sleep(1) != 0) {
        return 1;
    }
    return 42;
}

static int main_task(void *arg)
{
    (void)arg;
    nest_task *t = nest_spawn(child, NULL);
    if (t == NULL) {
        return 1;
    }
    int result = 0;
    if (nest_join(t, nest_after(5000), &result) != 0) {
        return 1;
    }
    return result == 42 ? 0 : 1;
}

int main(void)
{
    int rc = nest_run(main_task, NULL, NULL);
    printf("consumer: nest %d.%d.%d, nest_run returned %d\n", NEST_VERSION_MAJOR,
           NEST_VERSION_MINOR, NEST_VERSION_PATCH, rc);
    return rc == 0 ? 0 : 1;
}
