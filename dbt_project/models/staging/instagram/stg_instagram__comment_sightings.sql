{#- When each Instagram comment was last returned by an extraction (see the macro). -#}
{{ comment_sightings('instagram') }}
