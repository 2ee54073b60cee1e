import CAnnealShim

/// The server and the worker handle bodies of a megabyte at a time (log batches, uploads, objects):
/// with glibc's defaults each such buffer is its own mmap, faulted in page by page and unmapped when
/// freed, which cost the worker more CPU than the work on the bytes. Kept in the heap, they are reused.
public enum MemoryTuning {
    public static func keepLargeBuffersInHeap() {
        anneal_malloc_tuning(64 << 20, 256 << 20)
    }
}
