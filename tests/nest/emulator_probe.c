/*
 * emulator_probe.c - run at configure time under CMAKE_CROSSCOMPILING_EMULATOR
 * (qemu-user) to learn whether fork() and pthread_create() work there. Both
 * hung forever, even in a trivial program, while qemu's loader paired the
 * cross ld.so with another glibc build; the tests that need them are then
 * skipped instead of timing out (NEST_TEST_NO_FORK / NEST_TEST_NO_THREADS,
 * see test_util.h).
 *
 *   emulator_probe thread|fork   prints "ok" and exits 0 when it works
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
    return arg;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "thread") == 0) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, thread_main, NULL) != 0)
            return 1;
        pthread_join(thread, NULL);
        puts("ok");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "fork") == 0) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(7);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
            return 1;
        puts("ok");
        return 0;
    }
    return 2;
}
