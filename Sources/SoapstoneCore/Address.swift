public struct Address: Sendable, Hashable {
    public var line: String?
    public var city: String?
    public var region: String?
    public var postalCode: String?
    /// ISO 3166-1 alpha-2.
    public var country: String?

    public init(
        line: String? = nil, city: String? = nil, region: String? = nil, postalCode: String? = nil, country: String? = nil
    ) {
        self.line = line
        self.city = city
        self.region = region
        self.postalCode = postalCode
        self.country = country
    }
}
