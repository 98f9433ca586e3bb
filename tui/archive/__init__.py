"""The Convex snapshot ZIP: value encoding, document ids, writing, reading, inspecting."""
