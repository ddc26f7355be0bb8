use ringweir::*;
#[test]
fn smoke() {
    for ov in [Overflow::Block, Overflow::DropNewest, Overflow::DropOldest] {
        let (mut tx, mut rx) = Builder::new(3).overflow(ov).spsc::<u32>().unwrap();
        for i in 0..3 { assert!(matches!(tx.send(i), Ok(Sent::Queued))); }
        assert_eq!(tx.len(), 3);
        assert_eq!(rx.try_recv(), Ok(0));
        let h = std::thread::spawn(move || { for i in 3..100_000 { let _ = tx.send(i); } tx });
        let mut last = 0; let mut n = 1;
        loop { match rx.recv_timeout(std::time::Duration::from_millis(200)) { Ok(v) => { assert!(v > last); last = v; n += 1; } Err(_) => break } }
        let tx = h.join().unwrap();
        println!("{ov:?} {n} {:?}", tx.stats());
    }
}
