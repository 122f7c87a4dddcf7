//! Memory hints for the large agent arrays.
//!
//! Purchase occasions visit consumers in random order, so on 4 KiB pages a
//! million-consumer run spends much of its time in address-translation
//! misses. Asking the kernel to back the big arrays with transparent huge
//! pages (2 MiB) removes most of them; where the kernel does not support it
//! the hint is ignored and nothing else changes.

/// Asks for transparent huge pages under `data` (Linux; a no-op
/// elsewhere, and for arrays smaller than a huge page).
pub fn advise_huge_pages<T>(data: &[T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = std::mem::size_of_val(data);
        if bytes < HUGE {
            return;
        }
        let start = data.as_ptr() as usize;
        // madvise needs a page-aligned start; round inwards to whole pages.
        let page = 4096;
        let aligned = start.div_ceil(page) * page;
        let end = (start + bytes) / page * page;
        if end > aligned {
            // SAFETY: the range lies inside `data`'s live allocation, and
            // MADV_HUGEPAGE only changes how the kernel backs those pages,
            // never their contents or validity.
            unsafe {
                libc::madvise(
                    aligned as *mut libc::c_void,
                    end - aligned,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = data;
}
