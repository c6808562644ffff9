import Vapor

/// The headers every page and page asset carries.
///
/// - The Content-Security-Policy allows only this origin and no inline script or style, so an
///   injected message can never run or restyle anything; `frame-ancestors 'none'` forbids framing
///   (clickjacking the "activate" button).
/// - `Referrer-Policy: no-referrer`: `/q/<token>` URLs hold a code's token; no request may leak it.
/// - `X-Content-Type-Options: nosniff`: a file is only ever what its content type says.
struct PageSecurityHeaders: AsyncMiddleware {
    static let contentSecurityPolicy = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        // For browsers that predate `frame-ancestors`.
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        return response
    }
}
