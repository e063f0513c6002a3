/// The accounts `soapstone seed` creates for development. Their password is printed by
/// `soapstone dev`, so it is public knowledge: it must never open a production system.
public enum DevelopmentAccounts {
    public static let password = "soapstone-dev-password"

    /// The deployment environment, from `SOAPSTONE_ENV`: production unless it says
    /// "development" (which `soapstone dev` sets for itself). A server started without it must
    /// never take the published password or hold development data.
    public static func isProduction(environment: [String: String]) -> Bool {
        environment["SOAPSTONE_ENV"]?.lowercased() != "development"
    }

    /// What `soapstone dev` runs in.
    public static let developmentEnvironment = ["SOAPSTONE_ENV": "development"]

    /// True when `candidate` is a development password and the environment is production.
    public static func isRefused(_ candidate: String, isProduction: Bool) -> Bool {
        isProduction && candidate == password
    }
}
