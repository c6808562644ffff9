import Vapor

/// Refuses cross-site requests that would act with the guest cookie.
///
/// The guest cookie is the one credential a browser sends by itself. It is `SameSite=Lax`, and
/// writes require a JSON body (which a cross-site form cannot send), but a second, independent
/// check costs nothing: a write or a WebSocket upgrade that carries the cookie must come from a
/// page of this site, as `Sec-Fetch-Site` and `Origin` (set by browsers, not by scripts) say.
/// Requests without the cookie (API clients with headers) are not concerned.
///
/// A plain (future-based) middleware: it never waits, and an `AsyncMiddleware` would start a
/// task of its own for every request.
struct CrossSiteRequestGuard: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if request.cookies[GuestIdentity.cookieName] != nil, Self.acts(request), Self.isCrossSite(request) {
            return request.eventLoop.makeFailedFuture(APIError.crossSiteRequest)
        }
        return next.respond(to: request)
    }

    /// Anything but a read, and WebSocket upgrades (a GET that opens a channel both ways).
    private static func acts(_ request: Request) -> Bool {
        ![.GET, .HEAD, .OPTIONS].contains(request.method)
            || request.headers.first(name: .upgrade)?.lowercased() == "websocket"
    }

    private static func isCrossSite(_ request: Request) -> Bool {
        if let site = request.headers.first(name: "Sec-Fetch-Site")?.lowercased(), site == "cross-site" || site == "same-site" {
            return true
        }
        guard let origin = request.headers.first(name: .origin) else { return false }
        return !allowedOrigins(for: request).contains(origin.lowercased())
    }

    /// This service's own origins: the public base URL's, and the one the request was sent to.
    private static func allowedOrigins(for request: Request) -> Set<String> {
        var origins: Set<String> = []
        if let url = URLComponents(string: request.application.config.publicBaseURL), let scheme = url.scheme, let host = url.host {
            origins.insert((url.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)").lowercased())
        }
        if let host = request.headers.first(name: .host) {
            origins.insert("http://\(host)".lowercased())
            origins.insert("https://\(host)".lowercased())
        }
        return origins
    }
}

extension APIError {
    static let crossSiteRequest = APIError(
        status: .forbidden, code: "cross_site_request",
        detail: "Requête refusée : elle ne vient pas d'une page de ce site.")
}
