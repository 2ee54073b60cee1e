#ifndef ANNEAL_SHIM_H
#define ANNEAL_SHIM_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

/// Everything `MHD_start_daemon` needs, as a plain struct: Swift cannot call the variadic original.
typedef struct anneal_mhd_config {
    const char *host;              /* numeric IPv4 or IPv6 address to bind */
    uint16_t port;                 /* 0 = ephemeral */
    unsigned int thread_pool_size;
    unsigned int connection_limit;
    unsigned int per_ip_connection_limit;
    unsigned int connection_timeout_s;
    size_t connection_memory_limit;  /* bounds the header buffer: larger headers get 431 */
    const char *tls_key_pem;       /* NULL = plain HTTP */
    const char *tls_cert_pem;
    MHD_AccessHandlerCallback handler;
    void *handler_cls;
    MHD_RequestCompletedCallback completed;
    void *completed_cls;
    void *(*uri_log)(void *cls, const char *uri, struct MHD_Connection *con);
    void *uri_log_cls;
} anneal_mhd_config;

/// Starts the daemon; NULL on failure (errno may say why, e.g. EADDRINUSE).
struct MHD_Daemon *anneal_mhd_start(const anneal_mhd_config *config);

/// The port actually bound (useful with port 0), or 0 when unknown.
uint16_t anneal_mhd_bound_port(struct MHD_Daemon *daemon);

/// Writes the client's numeric address into buf; returns 0 on success.
int anneal_mhd_client_address(struct MHD_Connection *connection, char *buf, size_t len);

/// copy_file_range(2) (needs _GNU_SOURCE, which Swift's Glibc import does not set): copies `length`
/// bytes from `in` at `*offset_in` to `out` at its file position, in the kernel.
long anneal_copy_file_range(int in, int64_t *offset_in, int out, size_t length);

/// sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writeback of a range without waiting, so a
/// large upload's final fsync finds little left to write.
int anneal_start_writeback(int fd, int64_t offset, int64_t length);

/// vfork-style clone + exec with what Swift must not do between them: a new session (so the whole process
/// tree can be signalled), signals unblocked and SIGPIPE reset, stdin from /dev/null, stdout and
/// stderr redirected, every other descriptor closed, optionally killed when the parent dies.
/// `join_fds` are open `cgroup.procs` files the child enters before exec; `address_space_limit`
/// (bytes, 0 for none) is its RLIMIT_AS, the fallback where no cgroup can limit memory.
/// Returns 0 and the child's pid, or an errno value.
int anneal_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 int stdout_fd, int stderr_fd, int die_with_parent, const int *join_fds, int join_count,
                 unsigned long long address_space_limit, int *pid_out);

/// glibc malloc: buffers up to `mmap_threshold` bytes come from the heap (reused) rather than each
/// from its own mmap, and up to `trim_threshold` free bytes stay in the heap.
void anneal_malloc_tuning(int mmap_threshold, int trim_threshold);

#endif
