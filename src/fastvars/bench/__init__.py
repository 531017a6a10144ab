"""fastvars-bench: what fastvars buys over posthog's own capture, measured side by side.

``cli`` parses the command line; ``workloads`` are the exceptions it captures (and
``service`` the request stack, a module per layer, they are raised beneath for the end
to end view); ``engines`` wraps each capture under test as a runner; ``oracle`` proves
every fastvars engine's output equal to posthog's before anything is timed; ``run``
times the runners in interleaved rounds; ``report`` prints the tables, the JSON and the
plot. The capture engine never imports this package.
"""
