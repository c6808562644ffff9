import Vapor

/// The service's routes, as a table of contents. Each collection's `boot` lists its own paths.
/// Paths match with or without a trailing slash (Vapor ignores empty path components).
///
/// Every route signs its request in from its `Authorization` header (`UserAuthenticator`, a route
/// middleware so that it sees which route it is on: some sign in within their own statement).
func routes(_ app: Application) throws {
    let signingIn = app.grouped(UserAuthenticator(app))
    try signingIn.register(collection: HealthController())   // GET /healthz
    try signingIn.register(collection: AccountsController()) // /api/auth/{register,login,logout,me}
    try signingIn.register(collection: AccountDataController()) // GET /api/auth/me/export, DELETE /api/auth/me
    try signingIn.register(collection: ScanController(app))     // /api/auth/scan-qr
    try signingIn.register(collection: TagsController())     // /api/tags, /api/tags/<token>: an owner's tags and labels
    try signingIn.register(collection: ChatController())     // /api/chat/... and /api/auth/chat/...
    try signingIn.register(collection: ModerationController()) // /api/chat/{block,unblock,blocked,report}
    try signingIn.register(collection: OwnerCardController()) // /api/chat/owner/<owner_id>: the name a guest sees
    try signingIn.register(collection: WebController())      // pages /q, /Q, /chat, /app and their /static files
    try signingIn.register(collection: RealtimeController()) // /api/chat/ws (live socket), /api/chat/ws-ticket
}
