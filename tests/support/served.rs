//! The app served over TCP on a loopback port, by `commerce_host::server` exactly as
//! `commerce-host up` serves it: for clients that must speak real HTTP (a browser, a tool).

use crate::TestApp;

/// A [`TestApp`] listening on `base`, until [`Served::stop`].
pub struct Served {
    pub app: TestApp,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Served {
    /// Serves `app` on a free loopback port.
    pub async fn start(app: TestApp) -> Served {
        let listener = commerce_host::server::bind("127.0.0.1:0".parse().unwrap())
            .await
            .expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(commerce_host::server::serve(
            app.app.clone(),
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        Served {
            app,
            base,
            stop,
            server,
        }
    }

    /// Stops listening and waits for the server to finish its requests.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.server
            .await
            .expect("the server task")
            .expect("the server ends cleanly");
    }
}
