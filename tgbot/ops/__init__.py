"""What operators watch: health and metrics, alerts, the campaign other instances publish."""
