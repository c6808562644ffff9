import Vapor

/// The service's routes, as a table of contents. Each collection's `boot` lists its own paths.
/// Paths match with or without a trailing slash (Vapor ignores empty path components).
func routes(_ app: Application) throws {
    try app.register(collection: HealthController())   // GET /healthz
    try app.register(collection: AccountsController()) // /api/auth/{register,login,logout,me}
    try app.register(collection: AccountDataController()) // GET /api/auth/me/export, DELETE /api/auth/me
    try app.register(collection: ScanController())     // /api/auth/scan-qr
    try app.register(collection: TagsController())     // /api/tags, /api/tags/<token>: an owner's tags and labels
    try app.register(collection: ChatController())     // /api/chat/... and /api/auth/chat/...
    try app.register(collection: ModerationController()) // /api/chat/{block,unblock,blocked,report}
    try app.register(collection: OwnerCardController()) // /api/chat/owner/<owner_id>: the name a guest sees
    try app.register(collection: WebController())      // pages /q, /Q, /chat, /app and their /static files
    try app.register(collection: RealtimeController()) // /api/chat/ws (live socket), /api/chat/ws-ticket
}
