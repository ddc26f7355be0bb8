//! Calls kept out of the caller's code on purpose: the rare paths of a send
//! or receive, so that the common path inlines small into the caller's loop.

/// Runs `f` in a call of its own.
#[inline(never)]
pub(crate) fn out_of_line<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `f` in a call of its own, passing its result back as an `Option`
/// with the error beside it. For a small `T` an `Option<T>` comes back in
/// registers where a `Result<T, E>` with a separate error field comes back
/// through memory, and then the inlined common path has to build its own
/// `Result` in that memory too (a store and a reload on every receive).
/// `placeholder` is never returned: it only fills the error until `f` fails.
#[inline(always)]
pub(crate) fn out_of_line_result<T, E: Copy>(
    placeholder: E,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let mut error = placeholder;
    match out_of_line(|| f().map_err(|e| error = e).ok()) {
        Some(value) => Ok(value),
        None => Err(error),
    }
}
