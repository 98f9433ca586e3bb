"""A local emulator of Convex's APIs: deployments (and later the platform) served on loopback."""
