//! Lists cut to exactly their length by a copy, never by a shrink: mimalloc (the server's
//! allocator) shrinks a block in place while at least half of it stays in use, so a list grown
//! by doubling, then shrunk with `shrink_to_fit` or `into_boxed_slice`, kept all its room. And
//! the room a thread keeps from one use to the next ([`with_kept`]), so that a list filled per
//! note grows once, not for every note.

use std::cell::RefCell;
use std::thread::LocalKey;

/// `work` run on what this thread keeps in `kept`; on a fresh value when the thread's is in use
/// (a call within a call) or gone (a thread being torn down).
pub fn with_kept<T: Default + 'static, R>(
    kept: &'static LocalKey<RefCell<T>>,
    work: impl Fn(&mut T) -> R,
) -> R {
    match kept.try_with(|cell| cell.try_borrow_mut().ok().map(|mut kept| work(&mut kept))) {
        Ok(Some(result)) => result,
        _ => work(&mut T::default()),
    }
}

/// `list` emptied, and dropped for a new one if its room is past `bytes` (a huge note's), so
/// that what a thread keeps stays small.
pub fn emptied<T>(list: &mut Vec<T>, bytes: usize) {
    list.clear();
    if list.capacity() * size_of::<T>().max(1) > bytes {
        *list = Vec::new();
    }
}

/// `list`'s items moved into a boxed slice of exactly their number, `list` left empty with its
/// room (for the next use of a list a thread keeps).
pub fn boxed<T>(list: &mut Vec<T>) -> Box<[T]> {
    let mut exact = Vec::with_capacity(list.len());
    exact.append(list);
    exact.into_boxed_slice()
}

/// `list` as a boxed slice in a block of exactly its length: its own block when it has no room
/// to spare, a copy otherwise.
pub fn exact<T>(mut list: Vec<T>) -> Box<[T]> {
    if list.capacity() == list.len() {
        list.into_boxed_slice()
    } else {
        boxed(&mut list)
    }
}

/// `list` moved into a block of exactly its length when it has room to spare.
pub fn fit<T>(list: &mut Vec<T>) {
    *list = exact(std::mem::take(list)).into_vec();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists keep their items in order, and the new ones have no room to spare.
    #[test]
    fn boxed_and_fit_keep_the_items_in_exactly_their_room() {
        let mut grown: Vec<u32> = (0..100).collect();
        assert!(grown.capacity() > grown.len() || grown.capacity() == 100);
        let mut fitted = grown.clone();
        fitted.reserve(50);
        fit(&mut fitted);
        assert_eq!(fitted, grown);
        assert_eq!(fitted.capacity(), 100);
        let room = grown.capacity();
        let mut roomy = Vec::with_capacity(200);
        roomy.extend(0..100u32);
        assert_eq!(exact(roomy), exact(fitted.clone()));
        let boxed = boxed(&mut grown);
        assert_eq!(*boxed, *(0..100).collect::<Vec<u32>>());
        assert!(grown.is_empty());
        assert_eq!(grown.capacity(), room);
    }
}
