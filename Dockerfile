# The service image: one package, one CLI; the role is the command.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY campaign ./campaign
COPY audiences ./audiences
COPY scheduler ./scheduler
COPY templates ./templates
# A non-editable install, as in production: templates and migrations ship inside the wheel.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 campaign
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER campaign
WORKDIR /home/campaign
ENV CAMPAIGN_HOST=0.0.0.0 CAMPAIGN_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz').status == 200 else 1)" || exit 1
ENTRYPOINT ["campaign"]
CMD ["serve"]
