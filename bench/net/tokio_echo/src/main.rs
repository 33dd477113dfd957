//! Tokio peer of the loopback echo benchmark (bench/net, impl "tokio"; see bench/net/README.md
//! "net"): Tokio 1.24 from Debian, a `current_thread` runtime with `enable_all()` (one thread,
//! I/O and time drivers), one spawned task per connection reading into a 16 KiB buffer of its
//! own (as corio's) and writing it back with `write_all`; TCP_NODELAY on every connection.
//!
//!     tokio_echo [PORT]     (0 or nothing: the kernel picks; the port is the first line printed)

use std::io::Write;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

async fn serve(mut conn: TcpStream) {
    let mut buf = [0u8; 16384];
    loop {
        let n = match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if conn.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

fn raise_nofile() {
    unsafe {
        let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 && rl.rlim_cur < rl.rlim_max {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        }
    }
}

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    raise_nofile();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(([127, 0, 0, 1], port).into()).unwrap();
        let listener = socket.listen(4096).unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        loop {
            let (conn, _) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => continue,
            };
            let _ = conn.set_nodelay(true);
            tokio::spawn(serve(conn));
        }
    });
}
