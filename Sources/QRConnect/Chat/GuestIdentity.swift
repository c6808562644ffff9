import Vapor

/// How a guest proves who they are: the token the server issued with their first message,
/// sent back as the `guest_token` cookie (browsers) or the `X-Guest-Token` header (other clients).
enum GuestIdentity {
    static let cookieName = "guest_token"
    static let headerName = "X-Guest-Token"

    /// The token the request presents, if it could be one of ours.
    static func presentedToken(_ req: Request) -> String? {
        let raw = req.headers.first(name: headerName) ?? req.cookies[cookieName]?.string
        guard let token = raw?.trimmed, SecretToken.isPlausible(token) else { return nil }
        return token
    }

    /// The cookie that carries the guest token: HttpOnly (no script reads it), SameSite=Lax,
    /// Secure when the service is public over https, and sent only to the API.
    static func cookie(_ token: String, config: AppConfig) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: token,
            maxAge: config.guestCookieDays * 24 * 3600,
            path: "/api",
            isSecure: config.isPublicURLSecure,
            isHTTPOnly: true,
            sameSite: .lax)
    }
}

/// Pseudonyms the server picks for guests who did not choose one: `Invité-4821`.
enum Pseudonym {
    /// Candidates to try in turn: short ones first, longer ones if an owner has many guests.
    static func candidates() -> [String] {
        let digits = [4, 4, 4, 4, 6, 6, 8, 10]
        return digits.map { count in
            let low = Int(pow(10, Double(count - 1)))
            return "Invité-\(Int.random(in: low..<(low * 10)))"
        }
    }
}
