//! What every `/admin/` HTTP component does the same way: authorise the request by the
//! bearer token in the secret Spin variable `admin_token` before its body is read, and send
//! answers no cache may keep.

use crate::Problem;
use spin_sdk::http::{IncomingRequest, OutgoingResponse, Response, ResponseOutparam};

/// The shortest admin token accepted as configured: a shorter one is a mistake in the
/// deployment, and the admin APIs refuse to run with it rather than be guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// Checks the request's `Authorization: Bearer` token against the `admin_token` variable
/// (401 without a bearer token, 403 with another one, compared in constant time; 503 when
/// the variable is missing or shorter than [`MIN_TOKEN_LEN`]). Reads only the headers.
pub fn authorize(req: &IncomingRequest) -> Result<(), Problem> {
    let expected = spin_sdk::variables::get("admin_token")
        .map_err(|e| Problem::unavailable(format!("the admin_token variable: {e}")))?;
    if expected.len() < MIN_TOKEN_LEN {
        return Err(Problem::unavailable(format!(
            "the admin_token variable is shorter than {MIN_TOKEN_LEN} bytes; the admin API refuses to use it"
        )));
    }
    let header = crate::incoming_header(req, "authorization");
    crate::check_bearer(header.as_deref(), &expected)
}

/// Sends a whole response with `Cache-Control: no-store`: admin answers are private and
/// change with every write, so no cache (a browser's or a proxy's) may keep them.
pub async fn send(out: ResponseOutparam, mut response: Response) {
    response.set_header("cache-control", "no-store");
    let body = std::mem::take(response.body_mut());
    match OutgoingResponse::try_from(response) {
        Ok(outgoing) => {
            if let Err(e) = out.set_with_body(outgoing, body).await {
                eprintln!("sending the response: {e}");
            }
        }
        Err(e) => eprintln!("building the response: {e}"),
    }
}
