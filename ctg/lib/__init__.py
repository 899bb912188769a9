"""The platform's small library: what any app may use and what knows nothing of CTGs (mail,
jobs, files, PDF, spreadsheets, typography, history, health, backup). It imports no app."""
