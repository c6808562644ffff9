/*
 * A slower disk on demand, for the benchmark only: preloaded into a process
 * (LD_PRELOAD), it makes every fsync() and fdatasync() take SLOW_FSYNC_US
 * microseconds longer (default 2000), one at a time, as one disk's cache
 * flushes would. bench/run uses it to show that group commit keeps durable
 * sends above the disk's fsyncs per second when the disk, not the CPU, is what
 * limits them: on the machines this was written on an fsync takes about 0.2 ms,
 * and there a send is bound by CPU long before the disk.
 *
 * Built by bench/run: cc -O2 -shared -fPIC -o slow_fsync.so slow_fsync.c -ldl -lpthread
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t disk = PTHREAD_MUTEX_INITIALIZER;

static void flush_delay(void) {
    static long delay_us = -1;
    if (delay_us < 0) {
        const char *text = getenv("SLOW_FSYNC_US");
        delay_us = text ? atol(text) : 2000;
    }
    struct timespec pause = { delay_us / 1000000, (delay_us % 1000000) * 1000 };
    while (nanosleep(&pause, &pause) != 0) {}
}

/* One flush at a time, each SLOW_FSYNC_US longer, then the real call. */
static int slow_flush(int (*real_call)(int), int fd) {
    pthread_mutex_lock(&disk);
    flush_delay();
    int result = real_call(fd);
    pthread_mutex_unlock(&disk);
    return result;
}

int fsync(int fd) {
    static int (*real_fsync)(int);
    if (!real_fsync) real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return slow_flush(real_fsync, fd);
}

int fdatasync(int fd) {
    static int (*real_fdatasync)(int);
    if (!real_fdatasync) real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return slow_flush(real_fdatasync, fd);
}
