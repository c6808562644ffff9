import Fluent
import SQLKit
import Vapor

/// `GET /healthz`: 200 when this process can reach its database, 503 otherwise.
/// For load balancers and process supervisors.
struct HealthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: health)
    }

    func health(req: Request) async throws -> [String: String] {
        do {
            try await (req.database as! any SQLDatabase).raw("SELECT 1").run()
        } catch {
            req.logger.warning("health check: database unreachable: \(String(reflecting: error))")
            throw APIError.databaseBusy
        }
        return ["status": "ok"]
    }
}
