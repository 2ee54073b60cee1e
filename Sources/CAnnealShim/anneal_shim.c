#define _GNU_SOURCE
#include <malloc.h>
#include "anneal_shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sched.h>
#include <sys/mman.h>
#include <pthread.h>

struct MHD_Daemon *anneal_mhd_start(const anneal_mhd_config *c) {
    struct sockaddr_storage local;
    memset(&local, 0, sizeof(local));
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC;
    const char *host = c->host ? c->host : "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)&local;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&local;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(c->port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(c->port);
        flags |= MHD_USE_IPv6;
    } else {
        errno = EINVAL;
        return NULL;
    }
    if (c->tls_key_pem && c->tls_cert_pem) {
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem ops[16];
    int n = 0;
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &local};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, c->thread_pool_size, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, c->connection_limit, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_connection_limit, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, c->connection_timeout_s, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)c->connection_memory_limit, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)c->completed, c->completed_cls};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)c->uri_log, c->uri_log_cls};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
    /* Grow a connection's read buffer in large steps: big uploads then arrive in big pieces. */
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_INCREMENT, 16 * 1024, NULL};
    if (flags & MHD_USE_TLS) {
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)c->tls_key_pem};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)c->tls_cert_pem};
    }
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return MHD_start_daemon(flags, c->port, NULL, NULL, c->handler, c->handler_cls,
                            MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
}

uint16_t anneal_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

int anneal_mhd_client_address(struct MHD_Connection *connection, char *buf, size_t len) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr || len == 0) return -1;
    const struct sockaddr *sa = info->client_addr;
    const void *src;
    if (sa->sa_family == AF_INET) {
        src = &((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        src = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    } else {
        return -1;
    }
    return inet_ntop(sa->sa_family, src, buf, (socklen_t)len) ? 0 : -1;
}

long anneal_copy_file_range(int in, int64_t *offset_in, int out, size_t length) {
    loff_t offset = (loff_t)*offset_in;
    ssize_t copied = copy_file_range(in, &offset, out, NULL, length, 0);
    *offset_in = (int64_t)offset;
    return (long)copied;
}

int anneal_start_writeback(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, (off64_t)offset, (off64_t)length, SYNC_FILE_RANGE_WRITE);
}

struct spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *cwd;
    int stdout_fd, stderr_fd, die_with_parent;
    const int *join_fds;
    int join_count;
    unsigned long long address_space_limit;
    pid_t parent;
};

/* Runs in the child, on its own stack but in the parent's memory (CLONE_VM | CLONE_VFORK, as glibc's
   posix_spawn does): only system calls here, no allocation, no locks. The parent has every signal
   blocked, so none of its handlers can run here before they are reset. */
static int spawn_child(void *argument) {
    const struct spawn_request *r = argument;
    for (int sig = 1; sig < _NSIG; sig++) {
        struct sigaction action;
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &action) != 0) continue;
        /* Ignored signals stay ignored across exec, as after fork; SIGPIPE goes back to its default. */
        if (action.sa_handler == SIG_DFL || (action.sa_handler == SIG_IGN && sig != SIGPIPE)) continue;
        memset(&action, 0, sizeof(action));
        action.sa_handler = SIG_DFL;
        sigaction(sig, &action, NULL);
    }
    setsid();
    if (r->die_with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != r->parent) _exit(127);
    }
    /* Join the cgroups (each fd is an open cgroup.procs: "0" means this process) before anything
       else runs, so every descendant is accounted and limited. */
    for (int i = 0; i < r->join_count; i++) {
        if (write(r->join_fds[i], "0", 1) != 1) _exit(125);
    }
    if (r->address_space_limit > 0) {
        struct rlimit limit = { (rlim_t)r->address_space_limit, (rlim_t)r->address_space_limit };
        setrlimit(RLIMIT_AS, &limit);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (r->stdout_fd >= 0) dup2(r->stdout_fd, 1);
    if (r->stderr_fd >= 0) dup2(r->stderr_fd, 2);
    close_range(3, ~0U, 0);
    if (r->cwd && chdir(r->cwd) != 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(r->path, r->argv, r->envp);
    _exit(127);
}

int anneal_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 int stdout_fd, int stderr_fd, int die_with_parent, const int *join_fds, int join_count,
                 unsigned long long address_space_limit, int *pid_out) {
    struct spawn_request request = {
        path, argv, envp, cwd, stdout_fd, stderr_fd, die_with_parent, join_fds, join_count, address_space_limit, getpid()
    };
    /* The child shares this memory until it execs: no page tables are copied and no page of a large
       server is made copy-on-write (fork cost the server a third of its CPU per job). */
    /* One stack for every child, made once: spawns are serialised (the parent waits until its
       child has exec'd), and mapping and unmapping a stack per spawn cost TLB shootdowns across
       the server's threads. */
    static pthread_mutex_t stack_lock = PTHREAD_MUTEX_INITIALIZER;
    static void *stack = NULL;
    const size_t stack_size = 256 * 1024;
    pthread_mutex_lock(&stack_lock);
    if (stack == NULL) {
        void *made = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (made == MAP_FAILED) {
            int error = errno;
            pthread_mutex_unlock(&stack_lock);
            return error;
        }
        stack = made;
    }
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    pid_t child = clone(spawn_child, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
    int error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    pthread_mutex_unlock(&stack_lock);
    if (child < 0) return error;
    *pid_out = child;
    return 0;
}

void anneal_malloc_tuning(int mmap_threshold, int trim_threshold) {
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
}
