//! The API's OpenAPI 3.1 document (`GET /api/v1/openapi.json`), built with utoipa from the model's
//! own column lists, so that the document cannot drift from what import accepts.

use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ArrayBuilder, ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder,
    PathItem, PathsBuilder, Ref, Required, ResponseBuilder, Type,
};

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))
}

/// A row of one collection: every column optional but the required ones (less the one the token
/// fills, and the reporter type the organisation's registration gives); a value is text, a number,
/// a boolean or null, as in a JSON-lines file.
fn row_schema(columns: &[&str], required: &[&str], filled: &str) -> ObjectBuilder {
    let value = || {
        ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Number, Type::Boolean, Type::Null]))
    };
    let mut row = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)));
    for c in columns {
        row = row.property(*c, value());
        if required.contains(c) && *c != filled && *c != "reporter_type" {
            row = row.required(*c);
        }
    }
    row
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build())
        .build()
}

/// The document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    let health = OperationBuilder::new()
        .operation_id(Some("health"))
        .summary(Some("Whether the server is up"))
        .response(
            "200",
            ResponseBuilder::new()
                .description("up")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().property("status", string()).required("status")))
                        .build(),
                )
                .build(),
        )
        .build();
    paths = paths.path("/api/v1/health", PathItem::new(HttpMethod::Get, health));
    let mut components = ComponentsBuilder::new()
        .security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()))
        .schema("Error", ObjectBuilder::new().property("error", string()).required("error"))
        .schema(
            "Problem",
            ObjectBuilder::new()
                .property("field", ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])))
                .property("rule", string())
                .required("field")
                .required("rule"),
        )
        .schema(
            "Refused",
            ObjectBuilder::new()
                .property("index", integer())
                .property("problems", ArrayBuilder::new().items(Ref::from_schema_name("Problem")))
                .required("index")
                .required("problems"),
        )
        .schema(
            "Submitted",
            ObjectBuilder::new()
                .property("kind", string())
                .property("received", integer())
                .property("inserted", integer())
                .property("unchanged", integer())
                .property("rejected", ArrayBuilder::new().items(Ref::from_schema_name("Refused")))
                .required("kind")
                .required("received")
                .required("inserted")
                .required("unchanged")
                .required("rejected"),
        );
    for c in &crate::api::COLLECTIONS {
        let (segment, schema, filled) = (c.segment, c.schema, c.owner);
        components = components.schema(schema, row_schema(c.columns, c.required, filled));
        let op = OperationBuilder::new()
            .operation_id(Some(format!("submit_{segment}")))
            .summary(Some(format!("Submit {segment} for the token's organisation")))
            .description(Some(format!(
                "Rows in the import format (docs/formats.md). `{filled}` is the token's organisation where \
                 missing and must be it where given. Rows are validated and stored in one transaction; \
                 refused rows come back by index with every rule they broke; rows already stored are unchanged."
            )))
            .security(SecurityRequirement::new("token", Vec::<String>::new()))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(ArrayBuilder::new().items(Ref::from_schema_name(schema))))
                            .build(),
                    )
                    .build(),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("stored, with the refused rows")
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name("Submitted"))).build(),
                    )
                    .build(),
            )
            .response("400", error_response("not a JSON array of objects"))
            .response("401", error_response("no valid API token"))
            .response("403", error_response("a row for another organisation; nothing stored"))
            .response("413", error_response("the body is larger than the limit"))
            .response("422", error_response("a row not of this shape; nothing stored"))
            .build();
        paths = paths.path(format!("/api/v1/{segment}"), PathItem::new(HttpMethod::Post, op));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("zicht register API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Submission of reports, follow-up events and anonymous signals by reporting organisations",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}
