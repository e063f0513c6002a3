/// The accounts `soapstone seed` creates for development. Their password is printed by
/// `soapstone dev`, so it is public knowledge: it must never open a production system.
public enum DevelopmentAccounts {
    public static let password = "soapstone-dev-password"

    /// The deployment environment, from `SOAPSTONE_ENV`; anything but "production" is treated
    /// as development.
    public static func isProduction(environment: [String: String]) -> Bool {
        environment["SOAPSTONE_ENV"]?.lowercased() == "production"
    }

    /// True when `candidate` is a development password and the environment is production.
    public static func isRefused(_ candidate: String, environment: [String: String]) -> Bool {
        isRefused(candidate, isProduction: isProduction(environment: environment))
    }

    public static func isRefused(_ candidate: String, isProduction: Bool) -> Bool {
        isProduction && candidate == password
    }
}
