"""The Go/No-Go gate: verdict, waivers, sign-offs, severity, plan and coverage."""
