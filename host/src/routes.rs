//! Spin's HTTP route matching.
//!
//! A route is a path pattern: exact segments, `:name` segments that capture one segment, and
//! an optional trailing wildcard `/...` (or `/*`) that matches the rest of the path, including
//! nothing at all. The application's `base` is prefixed to every route. When several routes
//! match, the most specific wins: compared segment by segment, an exact segment beats a named
//! one, which beats the wildcard; an exact route therefore beats any wildcard, and of two
//! wildcards the longer prefix wins. Two triggers with the same route: the later one wins.
//!
//! Spin parses a route with `routefinder`, which trims every trailing slash and skips empty
//! segments: `/foo//` and `/a//b` route as `/foo` and `/a/b`. The route Spin reports in
//! `spin-matched-route` has one trailing slash removed, as Spin's own `sanitize` does.
//! Paths under [`WELL_KNOWN_PREFIX`] never reach a component: Spin answers them itself.

/// The paths Spin answers itself (`/.well-known/spin/health`, `/.well-known/spin/info`);
/// a route under it is never reached.
pub const WELL_KNOWN_PREFIX: &str = "/.well-known/spin/";

use anyhow::{Result, bail};
use std::collections::BTreeMap;

/// One segment of a route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Exact(String),
    Named(String),
}

/// A parsed route pattern.
#[derive(Debug, Clone)]
pub struct RoutePattern {
    segments: Vec<Segment>,
    wildcard: bool,
}

impl RoutePattern {
    /// Parses a route as written in `spin.toml` (relative to the base).
    pub fn parse(route: &str) -> Result<Self> {
        if route.contains(['?', '#']) {
            bail!("a route is a path: no query or fragment");
        }
        let route = if route.starts_with('/') {
            route.to_string()
        } else {
            format!("/{route}")
        };
        let (body, wildcard) = if route == "/..." || route == "/*" {
            ("", true)
        } else if let Some(prefix) = route.strip_suffix("/...") {
            (prefix, true)
        } else if let Some(prefix) = route.strip_suffix("/*") {
            (prefix, true)
        } else {
            // Spin's routefinder trims every trailing slash from a route.
            (route.trim_end_matches('/'), false)
        };
        let mut segments = Vec::new();
        // Empty segments (`//`) are skipped, as routefinder skips them.
        for seg in body.split('/').skip(1).filter(|s| !s.is_empty()) {
            if seg == "..." || seg == "*" {
                bail!("a wildcard may only end a route");
            }
            if let Some(name) = seg.strip_prefix(':') {
                if name.is_empty() {
                    bail!("a named segment needs a name after ':'");
                }
                segments.push(Segment::Named(name.to_string()));
            } else {
                segments.push(Segment::Exact(seg.to_string()));
            }
        }
        Ok(Self { segments, wildcard })
    }

    /// Matches a request path; on success returns the captures and, for a wildcard route,
    /// the rest of the path it matched (without a leading slash).
    fn matches(&self, path: &str) -> Option<(BTreeMap<String, String>, Option<String>)> {
        let trimmed = path.strip_prefix('/')?;
        let parts: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        let mut captures = BTreeMap::new();
        for (i, seg) in self.segments.iter().enumerate() {
            let part = *parts.get(i)?;
            match seg {
                Segment::Exact(s) if s == part => {}
                Segment::Named(name) if !part.is_empty() => {
                    captures.insert(name.clone(), part.to_string());
                }
                _ => return None,
            }
        }
        let rest = &parts[self.segments.len()..];
        if self.wildcard {
            Some((captures, Some(rest.join("/"))))
        } else if rest.is_empty() || rest == [""] {
            // An exact route also matches its path with one trailing slash.
            Some((captures, None))
        } else {
            None
        }
    }

    /// Specificity key: one entry per segment (2 exact, 1 named), then 0 for a wildcard.
    fn rank(&self) -> Vec<u8> {
        let mut r: Vec<u8> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Exact(_) => 2,
                Segment::Named(_) => 1,
            })
            .collect();
        if self.wildcard {
            r.push(0);
        } else {
            // An exact route ends here; it outranks a wildcard at the same depth.
            r.push(3);
        }
        r
    }
}

/// What a trigger routes to.
#[derive(Debug, Clone)]
struct Entry {
    component: String,
    raw_route: String,
    based_route: String,
    pattern: RoutePattern,
}

/// The router of an application.
#[derive(Debug, Clone, Default)]
pub struct Router {
    entries: Vec<Entry>,
}

/// A successful match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// The component that handles the request.
    pub component: String,
    /// The route as written in the manifest (`spin-raw-component-route`).
    pub raw_route: String,
    /// The route with the base prefixed (`spin-matched-route`).
    pub based_route: String,
    /// The part of the path the trailing wildcard matched, with Spin's leading slash
    /// (`spin-path-info`); empty for an exact route.
    pub path_info: String,
    /// Named segments (`spin-path-match-<name>`).
    pub captures: BTreeMap<String, String>,
}

impl RouteMatch {
    /// The raw route without its wildcard suffix (`spin-component-route`).
    pub fn component_route(&self) -> &str {
        self.raw_route
            .strip_suffix("/...")
            .unwrap_or(&self.raw_route)
    }
}

impl Router {
    /// Builds a router from `(route, component)` pairs under `base`; later duplicates win.
    pub fn build<'a>(
        base: &str,
        routes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self> {
        let base = base.trim_end_matches('/');
        let mut entries: Vec<Entry> = Vec::new();
        for (route, component) in routes {
            let absolute = if route.starts_with('/') {
                route.to_string()
            } else {
                format!("/{route}")
            };
            // Spin's `sanitize`: one trailing slash off the route (the base's is off above).
            let based_route = format!("{base}{}", absolute.strip_suffix('/').unwrap_or(&absolute));
            if based_route.starts_with(WELL_KNOWN_PREFIX) {
                tracing::error!(
                    "route {based_route:?}: routes under {WELL_KNOWN_PREFIX} are handled by the Spin runtime and will never be reached"
                );
            }
            let pattern = RoutePattern::parse(&based_route)?;
            entries.retain(|e| e.raw_route != route);
            entries.push(Entry {
                component: component.to_string(),
                raw_route: route.to_string(),
                based_route,
                pattern,
            });
        }
        Ok(Self { entries })
    }

    /// The component for `path` (no query string), or `None`: a 404.
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let (entry, (captures, rest)) = self
            .entries
            .iter()
            .filter_map(|e| e.pattern.matches(path).map(|m| (e, m)))
            // `max_by_key` keeps the last of equal maxima; ranks of distinct routes differ.
            .max_by_key(|(e, _)| e.pattern.rank())?;
        let path_info = match rest {
            None => String::new(),
            Some(rest) => {
                let trailing_slash = path.ends_with('/');
                let rest = rest.as_str();
                let rest = rest.trim_end_matches('/');
                match (rest.is_empty(), trailing_slash) {
                    (true, false) => String::new(),
                    (true, true) => "/".to_string(),
                    (false, false) => format!("/{rest}"),
                    (false, true) => format!("/{rest}/"),
                }
            }
        };
        Some(RouteMatch {
            component: entry.component.clone(),
            raw_route: entry.raw_route.clone(),
            based_route: entry.based_route.clone(),
            path_info,
            captures,
        })
    }

    /// The routes, in manifest order, as `(route, component)`.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|e| (e.raw_route.as_str(), e.component.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row: routes as (route, component), a request path, the expected component and
    /// path info (`None` for a 404).
    fn check(routes: &[(&str, &str)], path: &str, expected: Option<(&str, &str)>) {
        let router = Router::build("/", routes.iter().copied()).unwrap();
        let got = router.route(path);
        match (got, expected) {
            (None, None) => {}
            (Some(m), Some((component, info))) => {
                assert_eq!(m.component, component, "component for {path} in {routes:?}");
                assert_eq!(m.path_info, info, "path info for {path} in {routes:?}");
            }
            (got, expected) => panic!("{path} in {routes:?}: got {got:?}, expected {expected:?}"),
        }
    }

    /// (routes, request path, expected (component, path info) or a 404).
    type Row<'a> = (
        &'a [(&'a str, &'a str)],
        &'a str,
        Option<(&'a str, &'a str)>,
    );

    #[test]
    fn routes_follow_spins_rules() {
        let table: &[Row] = &[
            // Exact routes.
            (
                &[("/foo", "foo"), ("/foo/bar", "foobar")],
                "/foo",
                Some(("foo", "")),
            ),
            (
                &[("/foo", "foo"), ("/foo/bar", "foobar")],
                "/foo/bar",
                Some(("foobar", "")),
            ),
            (&[("/foo", "foo")], "/foo/", Some(("foo", ""))),
            // Every trailing slash of a route is trimmed, and empty segments are skipped.
            (&[("/foo/", "foo")], "/foo", Some(("foo", ""))),
            (&[("/foo///", "foo")], "/foo", Some(("foo", ""))),
            (&[("/foo///", "foo")], "/foo/", Some(("foo", ""))),
            (&[("/a//b", "ab")], "/a/b", Some(("ab", ""))),
            (&[("/api//...", "api")], "/api/x", Some(("api", "/x"))),
            (&[("/foo", "foo")], "/foobar", None),
            (&[("/foo", "foo")], "/", None),
            // The wildcard matches its own prefix, with or without a slash, and below it.
            (&[("/...", "all")], "/", Some(("all", "/"))),
            (&[("/...", "all")], "/foo/bar", Some(("all", "/foo/bar"))),
            (&[("/...", "all")], "/abc/", Some(("all", "/abc/"))),
            (&[("/api/...", "api")], "/api", Some(("api", ""))),
            (&[("/api/...", "api")], "/api/", Some(("api", "/"))),
            (&[("/api/...", "api")], "/api/x/y", Some(("api", "/x/y"))),
            (&[("/api/...", "api")], "/apix", None),
            (&[("/api/*", "api")], "/api/x", Some(("api", "/x"))),
            // Most specific wins, whatever the order.
            (
                &[
                    ("/one/...", "1"),
                    ("/one/two/...", "2"),
                    ("/one/two/three/...", "3"),
                ],
                "/one/two/three/four",
                Some(("3", "/four")),
            ),
            (
                &[
                    ("/one/two/three/...", "3"),
                    ("/one/two/...", "2"),
                    ("/one/...", "1"),
                ],
                "/one/two/x",
                Some(("2", "/x")),
            ),
            (
                &[("/one", "exact"), ("/...", "wild")],
                "/one",
                Some(("exact", "")),
            ),
            (
                &[("/...", "wild"), ("/one", "exact")],
                "/one",
                Some(("exact", "")),
            ),
            (
                &[("/api/...", "wild"), ("/api", "exact")],
                "/api",
                Some(("exact", "")),
            ),
            // Named segments capture one segment and lose to exact ones.
            (&[("/users/:id", "user")], "/users/42", Some(("user", ""))),
            (&[("/users/:id", "user")], "/users/42/x", None),
            (
                &[("/users/:id", "user"), ("/users/me", "me")],
                "/users/me",
                Some(("me", "")),
            ),
            // Duplicates: the later trigger wins.
            (
                &[("/foo", "first"), ("/foo", "second")],
                "/foo",
                Some(("second", "")),
            ),
        ];
        for (routes, path, expected) in table {
            check(routes, path, *expected);
        }
    }

    #[test]
    fn the_base_prefixes_every_route() {
        let router = Router::build("/base", [("/foo", "foo"), ("/bar/...", "bar")]).unwrap();
        assert_eq!(router.route("/base/foo").unwrap().component, "foo");
        let m = router.route("/base/bar/x").unwrap();
        assert_eq!(
            (m.based_route.as_str(), m.raw_route.as_str()),
            ("/base/bar/...", "/bar/...")
        );
        assert_eq!(m.component_route(), "/bar");
        assert!(router.route("/foo").is_none());
    }

    #[test]
    fn named_captures_are_reported() {
        let router = Router::build("/", [("/shops/:shop/items/...", "c")]).unwrap();
        let m = router.route("/shops/acme/items/1").unwrap();
        assert_eq!(m.captures.get("shop").map(String::as_str), Some("acme"));
        assert_eq!(m.path_info, "/1");
    }

    #[test]
    fn the_matched_route_loses_one_trailing_slash_as_in_spin() {
        let router = Router::build("/", [("/foo//", "foo"), ("/", "root")]).unwrap();
        let m = router.route("/foo").unwrap();
        assert_eq!(
            (m.based_route.as_str(), m.raw_route.as_str()),
            ("/foo/", "/foo//")
        );
        let m = router.route("/").unwrap();
        assert_eq!((m.based_route.as_str(), m.component.as_str()), ("", "root"));
    }

    #[test]
    fn a_wildcard_in_the_middle_is_rejected() {
        assert!(RoutePattern::parse("/a/.../b").is_err());
    }
}
